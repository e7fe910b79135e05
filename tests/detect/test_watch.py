"""``detect watch``'s library: new objects only, its place kept across restarts (thresholds
included), clean stops, S3 prefixes on the lab emulator, corrupt state as one line."""

from __future__ import annotations

import gzip
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect.delivery import Router
from cloudwarden.detect.rules import Rule, load_native
from cloudwarden.detect.sinks import FileSink, StoreSink
from cloudwarden.detect.watch import LogObject, PollReport, Watcher, WatchError, WatchState
from cloudwarden.lab.server import LabServer, running_lab
from cloudwarden.store import Store

ACCOUNT = "111122223333"
STOP_RULE = """\
id: test-stop-logging
title: CloudTrail logging stopped
severity: high
logsource: cloudtrail
detection:
  selection:
    eventName: StopLogging
  condition: selection
"""
BRUTE_RULE = """\
id: test-login-failures
title: Repeated console sign-in failures
severity: medium
logsource: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: selection
threshold: count >= 3 by sourceIPAddress within 10m
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> list[Rule]:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "stop.yml").write_text(STOP_RULE)
    (folder / "brute.yml").write_text(BRUTE_RULE)
    loaded = load_native([folder])
    assert not loaded.problems, loaded.problems
    return list(loaded.rules)


def record(event_id: str, minute: int, name: str = "StopLogging", **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventID": event_id,
        "eventTime": f"2026-11-01T10:{minute:02d}:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "recipientAccountId": ACCOUNT,
        "sourceIPAddress": "203.0.113.9",
        **extra,
    }


def failure(event_id: str, minute: int) -> dict[str, Any]:
    return record(event_id, minute, "ConsoleLogin", responseElements={"ConsoleLogin": "Failure"})


def trail(*records: dict[str, Any]) -> bytes:
    return gzip.compress(orjson.dumps({"Records": list(records)}))


def put(folder: Path, name: str, *records: dict[str, Any]) -> Path:
    path = folder / "AWSLogs" / ACCOUNT / "CloudTrail" / "eu-west-1" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(trail(*records))
    return path


class Sink:
    name = spec = "memory"

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []

    def send(self, alerts: Any) -> None:
        self.alerts.extend(alerts)

    def pairs(self) -> list[tuple[str, str]]:
        return [(a["rule_id"], a["event_id"]) for a in self.alerts]


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


def watcher(
    sources: list[str], rules: list[Rule], state: Path, sink: Sink, **kwargs: Any
) -> Watcher:
    return Watcher(
        sources, rules, state_path=state, router=Router([sink], state.parent / "spool"), **kwargs
    )


def test_files_arriving_between_polls_are_read_once(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    sink = Sink()
    w = watcher([str(logs)], rules, tmp_path / "state.json", sink)
    put(logs, "a.json.gz", record("e1", 0), record("e2", 1, "GetObject"))
    first = w.poll()
    assert (first.objects, first.events, first.alerts) == (1, 2, 1)
    assert w.poll().objects == 0
    put(logs, "b.json.gz", record("e3", 2))
    second = w.poll()
    assert (second.objects, second.alerts) == (1, 1)
    assert sink.pairs() == [("test-stop-logging", "e1"), ("test-stop-logging", "e3")]


def test_restart_continues_where_it_stopped_thresholds_included(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    state = tmp_path / "state.json"
    sink = Sink()
    put(logs, "1.json.gz", failure("f1", 0), failure("f2", 1))
    assert watcher([str(logs)], rules, state, sink).poll().alerts == 0  # two of three

    put(logs, "2.json.gz", failure("f3", 2))
    restarted = watcher([str(logs)], rules, state, sink)
    report = restarted.poll()
    assert report.objects == 1  # 1.json.gz is not read again
    assert [(a["rule_id"], a["event_ids"]) for a in sink.alerts] == [
        ("test-login-failures", ["f1", "f2", "f3"])
    ]
    assert watcher([str(logs)], rules, state, sink).poll().objects == 0


def test_a_changed_file_is_read_again_and_a_removed_one_forgotten(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    state = tmp_path / "state.json"
    w = watcher([str(logs)], rules, state, Sink())
    path = put(logs, "a.json.gz", record("e1", 0))
    w.poll()
    put(logs, "a.json.gz", record("e1", 0), record("e2", 1))
    assert w.poll().objects == 1
    path.unlink()
    w.poll()
    assert WatchState.load(state).seen == {str(logs): {}}


def test_hidden_and_digest_files_and_fresh_files_wait(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    w = watcher([str(logs)], rules, tmp_path / "state.json", Sink(), settle=3600)
    put(logs, "a.json.gz", record("e1", 0))
    assert w.poll().objects == 0  # modified just now: may still be being written
    w.settle = 0
    (logs / ".partial.json.gz").write_bytes(trail(record("e9", 0)))
    digest = logs / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "d.json.gz"
    digest.parent.mkdir(parents=True)
    digest.write_bytes(gzip.compress(b"{}"))
    report = w.poll()
    assert report.objects == 1


def test_stop_finishes_the_current_object_and_saves(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    state = tmp_path / "state.json"
    for i in range(3):
        put(logs, f"{i}.json.gz", record(f"e{i}", i))
    sink = Sink()
    seen: list[LogObject] = []

    def stop_after_first(obj: LogObject) -> None:
        seen.append(obj)
        w.stop()

    w = watcher([str(logs)], rules, state, sink, on_object=stop_after_first)
    reports: list[PollReport] = []
    assert w.run(interval=0, report=reports.append) == 1
    assert reports[0].interrupted and reports[0].objects == 1
    assert sink.pairs() == [("test-stop-logging", "e0")]
    again = watcher([str(logs)], rules, state, sink).poll()
    assert again.objects == 2
    assert [e for _, e in sink.pairs()] == ["e0", "e1", "e2"]


def test_ctrl_c_stops_cleanly(logs: Path, tmp_path: Path, rules: list[Rule]) -> None:
    state = tmp_path / "state.json"
    put(logs, "0.json.gz", record("e0", 0))
    put(logs, "1.json.gz", record("e1", 1))
    before = signal.getsignal(signal.SIGINT)

    def ctrl_c(obj: LogObject) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    w = watcher([str(logs)], rules, state, Sink(), on_object=ctrl_c)
    assert w.run(interval=3600) == 1  # returned, no KeyboardInterrupt, no hour-long wait
    assert signal.getsignal(signal.SIGINT) is before
    assert len(WatchState.load(state).seen[str(logs)]) == 1


def test_ctrl_c_while_waiting_for_the_next_poll(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    w = watcher([str(logs)], rules, tmp_path / "state.json", Sink())
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        assert w.run(interval=3600) == 1
    finally:
        timer.cancel()
    assert time.monotonic() - started < 60


def test_alerts_reach_sinks_and_the_store_once(
    logs: Path, tmp_path: Path, rules: list[Rule]
) -> None:
    state = tmp_path / "state.json"
    db = tmp_path / "store.duckdb"
    out = tmp_path / "alerts.jsonl"
    put(logs, "a.json.gz", record("e1", 0))

    def make() -> Watcher:
        router = Router([FileSink(out), StoreSink(db)], tmp_path / "spool")
        return Watcher([str(logs)], rules, state_path=state, router=router)

    make().poll()
    state.unlink()  # as if the watch died before saving: everything is read again
    make().poll()
    assert len(out.read_text().splitlines()) == 2  # at least once to the sink ...
    with Store.open(db, read_only=True) as store:
        assert len(store.alerts()) == 1  # ... once in the store


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is corrupt (not JSON)"),
        (b'{"format": "something-else"}', "not a cloudwarden watch state file"),
        (b'{"format": "cloudwarden-watch-state", "version": 9}', "has version 9"),
        (b'{"format": "cloudwarden-watch-state", "version": 1, "seen": []}', "bad 'seen'"),
        (
            b'{"format": "cloudwarden-watch-state", "version": 1, "seen": {}, "detector": {"version": 99}}',
            "cannot resume the detector",
        ),
    ],
)
def test_corrupt_state_is_one_line(
    logs: Path, tmp_path: Path, rules: list[Rule], content: bytes, message: str
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    with pytest.raises(WatchError, match=re.escape(message)) as info:
        watcher([str(logs)], rules, state, Sink())
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("cloudtrail:lookup_events", "not a source watch can poll"),
        ("{tmp}/missing", "no such file or folder"),
        ("s3://", "not an s3://bucket/prefix URL"),
    ],
)
def test_bad_sources(tmp_path: Path, rules: list[Rule], source: str, message: str) -> None:
    with pytest.raises(WatchError, match=message):
        watcher([source.format(tmp=tmp_path)], rules, tmp_path / "state.json", Sink())


def test_state_write_is_atomic(logs: Path, tmp_path: Path, rules: list[Rule]) -> None:
    state = tmp_path / "state" / "watch.json"
    put(logs, "a.json.gz", record("e1", 0))
    watcher([str(logs)], rules, state, Sink()).poll()
    assert [p.name for p in state.parent.iterdir()] == ["watch.json"]  # no temp left behind
    data = orjson.loads(state.read_bytes())
    assert data["format"] == "cloudwarden-watch-state" and data["detector"]["version"] == 1


# -- S3 on the lab emulator -----------------------------------------------------------------

BUCKET = "org-trail"
PREFIX = f"AWSLogs/{ACCOUNT}/CloudTrail/"


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


@pytest.fixture
def s3(lab: LabServer) -> Iterator[AwsContext]:
    lab.reset()
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    ctx = AwsContext(session=session, options=AwsOptions(endpoint_url=lab.endpoint))
    ctx.client("s3").create_bucket(Bucket=BUCKET)
    yield ctx


def test_s3_prefix_new_objects_only(s3: AwsContext, tmp_path: Path, rules: list[Rule]) -> None:
    client = s3.client("s3")
    client.put_object(Bucket=BUCKET, Key=PREFIX + "a.json.gz", Body=trail(record("e1", 0)))
    client.put_object(
        Bucket=BUCKET, Key=f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/d.json.gz", Body=b"{}"
    )
    state = tmp_path / "state.json"
    sink = Sink()
    spec = f"s3://{BUCKET}/AWSLogs/"
    first = watcher([spec], rules, state, sink, aws=s3).poll()
    assert (first.objects, first.alerts, first.error) == (1, 1, None)

    client.put_object(Bucket=BUCKET, Key=PREFIX + "b.json.gz", Body=trail(record("e2", 1)))
    restarted = watcher([spec], rules, state, sink, aws=s3)
    assert restarted.poll().objects == 1
    assert restarted.poll().objects == 0
    # same key, new content (new ETag): read again
    client.put_object(
        Bucket=BUCKET, Key=PREFIX + "b.json.gz", Body=trail(record("e2", 1), record("e3", 2))
    )
    assert restarted.poll().objects == 1
    assert [e for _, e in sink.pairs()] == ["e1", "e2", "e2", "e3"]
    assert set(WatchState.load(state).seen[spec]) == {PREFIX + "a.json.gz", PREFIX + "b.json.gz"}


def test_s3_listing_failure_is_a_poll_error_not_a_crash(
    s3: AwsContext, tmp_path: Path, rules: list[Rule]
) -> None:
    w = watcher(["s3://no-such-bucket/x/"], rules, tmp_path / "state.json", Sink(), aws=s3)
    report = w.poll()
    assert report.error is not None and "NoSuchBucket" in report.error
