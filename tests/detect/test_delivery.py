"""The Router: retries with backoff, a spool per failing sink, re-sent first, never an alert lost.

Receivers are real HTTP servers on 127.0.0.1 (:mod:`cloudwarden.testing.webhook`); sleeping
is recorded instead of done.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.delivery import Router, spooled_specs
from cloudwarden.detect.sinks import FileSink, SinkError, WebhookSink
from cloudwarden.testing.webhook import Receiver, down_url, webhook_server


def alerts(*ns: int) -> list[dict[str, Any]]:
    return [{"alert_id": f"id-{n}", "rule_id": "cw-rule", "severity": "high"} for n in ns]


def ids(received: Sequence[Any]) -> list[str]:
    return [a["alert_id"] for a in received]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with webhook_server() as receiver:
        yield receiver


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def router(sinks: Sequence[Any], spool: Path, sleeps: Sleeps, attempts: int = 3) -> Router:
    return Router(sinks, spool, attempts=attempts, backoff=0.5, sleep=sleeps)


def test_retries_with_exponential_backoff_then_delivers(
    hook: Receiver, tmp_path: Path, sleeps: Sleeps
) -> None:
    hook.fail = 2  # the receiver answers 500 twice, then 200
    (report,) = router([WebhookSink(hook.url)], tmp_path, sleeps).deliver(alerts(1, 2))
    assert report.ok and report.sent == 2 and report.spooled == 0
    assert sleeps == [0.5, 1.0]
    assert ids(hook.alerts) == ["id-1", "id-2"]
    assert list(tmp_path.iterdir()) == []


def test_still_failing_spools_then_next_delivery_resends_first(
    hook: Receiver, tmp_path: Path, sleeps: Sleeps
) -> None:
    sink = WebhookSink(hook.url)
    hook.fail = 3
    (first,) = router([sink], tmp_path, sleeps).deliver(alerts(1, 2))
    assert first.spooled == 2 and first.pending == 2 and "HTTP 500" in (first.error or "")
    assert "secret-token" not in (first.error or "")
    assert hook.alerts == []

    (second,) = router([sink], tmp_path, sleeps).deliver(alerts(3))
    assert second.ok and (second.resent, second.sent) == (2, 1)
    assert ids(hook.alerts) == ["id-1", "id-2", "id-3"]  # the spool first, in order
    assert not any(tmp_path.glob("*.jsonl"))


def test_down_receiver_then_up_on_the_same_url(tmp_path: Path, sleeps: Sleeps) -> None:
    url = down_url()
    sink = WebhookSink(url, timeout=2)
    (down,) = router([sink], tmp_path, sleeps).deliver(alerts(1))
    assert down.spooled == 1 and "cannot reach" in (down.error or "")
    (still_down,) = router([sink], tmp_path, sleeps).deliver(alerts(2))
    assert still_down.spooled == 1 and still_down.pending == 2
    assert spooled_specs(tmp_path) == [f"webhook:{url}"]

    port = int(url.split(":")[2].split("/")[0])
    with webhook_server(port) as hook:
        (flushed,) = router([sink], tmp_path, sleeps).flush()
    assert flushed.ok and flushed.resent == 2
    assert ids(hook.alerts) == ["id-1", "id-2"]
    assert spooled_specs(tmp_path) == []


def test_crash_between_send_and_spool_removal_resends(
    hook: Receiver, tmp_path: Path, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once: the receiver sees the batch twice (same alert ids), never zero times."""
    sink = WebhookSink(hook.url)
    hook.fail = 3
    router([sink], tmp_path, sleeps).deliver(alerts(1, 2))

    real_unlink = Path.unlink

    def crash(self: Path, missing_ok: bool = False) -> None:
        if self.name.endswith(".claimed.jsonl"):
            raise SystemExit("killed")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", crash)
    with pytest.raises(SystemExit):
        router([sink], tmp_path, sleeps).deliver(alerts(3))
    monkeypatch.setattr(Path, "unlink", real_unlink)
    assert ids(hook.alerts) == ["id-1", "id-2"]

    (after,) = router([sink], tmp_path, sleeps).deliver(alerts(3))
    assert after.ok and after.resent == 2 and after.sent == 1
    assert ids(hook.alerts) == ["id-1", "id-2", "id-1", "id-2", "id-3"]
    assert not any(tmp_path.glob("*.jsonl"))


def test_not_retryable_is_spooled_without_waiting(
    hook: Receiver, tmp_path: Path, sleeps: Sleeps
) -> None:
    hook.fail, hook.status = 1, 404
    (report,) = router([WebhookSink(hook.url)], tmp_path, sleeps).deliver(alerts(1))
    assert report.spooled == 1 and sleeps == []


class PartialSink:
    """Accepts everything but the alerts in ``refuse`` (each refused ``times`` times)."""

    name = spec = "partial"

    def __init__(self, refuse: set[str], times: int = 1) -> None:
        self.refuse = refuse
        self.times = times
        self.got: list[str] = []
        self.batches: list[list[str]] = []

    def send(self, batch: Sequence[Any]) -> None:
        self.batches.append(ids(batch))
        failed = [a for a in batch if a["alert_id"] in self.refuse and self.times > 0]
        self.got.extend(a["alert_id"] for a in batch if a not in failed)
        if failed:
            self.times -= 1
            raise SinkError("some entries failed", unsent=failed)


def test_partial_failure_retries_only_the_unsent(tmp_path: Path, sleeps: Sleeps) -> None:
    sink = PartialSink({"id-2"})
    (report,) = router([sink], tmp_path, sleeps).deliver(alerts(1, 2, 3))
    assert report.ok and report.sent == 3
    assert sink.batches == [["id-1", "id-2", "id-3"], ["id-2"]]
    assert sorted(sink.got) == ["id-1", "id-2", "id-3"]


def test_partial_failure_spools_only_the_unsent(tmp_path: Path, sleeps: Sleeps) -> None:
    sink = PartialSink({"id-2"}, times=99)
    r = router([sink], tmp_path, sleeps)
    (report,) = r.deliver(alerts(1, 2, 3))
    assert (report.sent, report.spooled) == (2, 1)
    assert r.pending(sink) == 1


def test_one_failing_sink_does_not_hold_up_another(
    hook: Receiver, tmp_path: Path, sleeps: Sleeps
) -> None:
    good = FileSink(tmp_path / "out.jsonl")
    bad = WebhookSink(hook.url)
    hook.fail = 99
    good_report, bad_report = router([good, bad], tmp_path / "spool", sleeps).deliver(alerts(1))
    assert good_report.ok and good_report.sent == 1
    assert bad_report.spooled == 1


def test_alerts_appended_during_a_resend_are_kept(tmp_path: Path, sleeps: Sleeps) -> None:
    """Another process spooling while this one re-sends: its alert stays spooled, not deleted."""
    r = router([], tmp_path, sleeps)

    class Appending:
        name = spec = "appending"

        def __init__(self) -> None:
            self.got: list[str] = []

        def send(self, batch: Sequence[Any]) -> None:
            if not self.got:
                r._spool(self, alerts(9))  # what a concurrent watcher would do
            self.got.extend(ids(batch))

    sink = Appending()
    r.sinks = (sink,)
    r._spool(sink, alerts(1, 2))
    (report,) = r.flush()
    assert report.resent == 2 and sink.got == ["id-1", "id-2"]
    assert r.pending(sink) == 1
    r.flush()
    assert sink.got == ["id-1", "id-2", "id-9"]


def test_spool_files_are_private_and_survive_a_torn_line(tmp_path: Path, sleeps: Sleeps) -> None:
    sink = PartialSink(set())
    r = router([sink], tmp_path, sleeps)
    r._spool(sink, alerts(1))
    spool = r.spool_path(sink)
    with spool.open("ab") as fh:
        fh.write(b'{"alert_id": "id-')  # a crash mid-append
    r._spool(sink, alerts(2))
    assert r.pending(sink) == 2
    if os.name == "posix":
        assert stat.S_IMODE(spool.stat().st_mode) == 0o600
        assert stat.S_IMODE(spool.with_suffix(".sink").stat().st_mode) == 0o600
    r.flush()
    assert sink.got == ["id-1", "id-2"]
