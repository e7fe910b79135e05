"""``detect watch`` and the spool: one place per source however it is spelled, a clean stop
on SIGTERM, spooled ``file:``/``store:`` sinks flushed to the same file from any folder,
``flush --sink`` saying when nothing matches, webhook names telling webhooks apart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.cli.main import main
from cloudwarden.detect import watch
from cloudwarden.detect.delivery import Router, spool_id
from cloudwarden.detect.rules import Rule, load_native
from cloudwarden.detect.sinks import FileSink, StoreSink, WebhookSink, parse_sink
from cloudwarden.detect.watch import LogObject, Watcher, WatchState, default_state_path

from .test_watch import ACCOUNT, STOP_RULE, Sink, put


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> list[Rule]:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "stop.yml").write_text(STOP_RULE)
    loaded = load_native([folder])
    assert not loaded.problems, loaded.problems
    return list(loaded.rules)


def record(event_id: str, minute: int) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventID": event_id,
        "eventTime": f"2026-11-01T10:{minute:02d}:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": "eu-west-1",
        "recipientAccountId": ACCOUNT,
        "sourceIPAddress": "203.0.113.9",
    }


def watcher(
    sources: list[str], rules: list[Rule], state: Path, sink: Sink, **kwargs: Any
) -> Watcher:
    return Watcher(
        sources, rules, state_path=state, router=Router([sink], state.parent / "spool"), **kwargs
    )


def _no_sleep(_: float) -> None:
    pass


# -- 1. one state file per source, however it is spelled -----------------------------------


def test_default_state_path_normalises_local_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ct").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "ct")
    (tmp_path / "other" / "ct").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    spellings = ["ct", "ct/", "./ct", str(tmp_path / "ct"), f"{tmp_path}/ct/", "link"]
    assert {default_state_path([s]) for s in spellings} == {default_state_path(["ct"])}
    assert default_state_path(["ct", "./ct/"]) == default_state_path(["ct"])
    here = default_state_path(["ct"])
    monkeypatch.chdir(tmp_path / "other")
    assert default_state_path(["ct"]) != here  # another folder's ct


def test_s3_and_lookup_specs_are_kept() -> None:
    assert watch.normalise_source("s3://b/logs") == "s3://b/logs"
    assert watch.normalise_source("s3://b/logs/") == "s3://b/logs/"  # lists fewer keys than b/logs
    assert default_state_path(["s3://b/logs"]) != default_state_path(["s3://b/logs/"])
    assert default_state_path(["s3://b/"]) == default_state_path(["s3://b"])  # whole bucket
    assert watch.normalise_source("cloudtrail:lookup_events") == "cloudtrail:lookup_events"


def test_restart_under_another_spelling_reads_nothing_again(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "ct"
    put(logs, "a.json.gz", record("e1", 0))
    monkeypatch.chdir(tmp_path)
    data = str(tmp_path / "data")
    monkeypatch.setattr("cloudwarden.detect.watch.platformdirs.user_data_dir", lambda _: data)
    state = default_state_path(["ct"])
    sink = Sink()
    assert watcher(["ct"], rules, state, sink).poll().objects == 1
    for spelling in ("ct/", "./ct", str(logs)):
        assert default_state_path([spelling]) == state
        assert watcher([spelling], rules, state, sink).poll().objects == 0
    assert set(WatchState.load(state).seen) == {str(logs)}
    assert len(sink.alerts) == 1


def test_a_state_file_keyed_by_the_old_spelling_is_adopted(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--state`` written by a version that keyed ``seen`` by the source as spelled."""
    logs = tmp_path / "ct"
    put(logs, "a.json.gz", record("e1", 0))
    state = tmp_path / "state.json"
    watcher([str(logs)], rules, state, Sink()).poll()
    old = WatchState.load(state)
    old.seen = {"ct/": old.seen[str(logs)]}
    old.save(state)
    monkeypatch.chdir(tmp_path)
    assert watcher(["ct/"], rules, state, Sink()).poll().objects == 0
    assert set(WatchState.load(state).seen) == {str(logs)}


# -- 2. SIGTERM stops cleanly --------------------------------------------------------------


class Untrapped(Exception):
    pass


@pytest.fixture
def term_raises() -> Any:
    """SIGTERM raises here unless the watch traps it (rather than killing pytest)."""

    def untrapped(signum: int, frame: Any) -> None:
        raise Untrapped("SIGTERM reached the previous handler")

    before = signal.signal(signal.SIGTERM, untrapped)
    yield untrapped
    signal.signal(signal.SIGTERM, before)


@pytest.mark.usefixtures("term_raises")
def test_sigterm_finishes_the_object_delivers_and_saves(tmp_path: Path, rules: list[Rule]) -> None:
    logs = tmp_path / "logs"
    state = tmp_path / "state.json"
    put(logs, "0.json.gz", record("e0", 0))
    put(logs, "1.json.gz", record("e1", 1))
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    sink = Sink()

    def term(obj: LogObject) -> None:
        signal.raise_signal(signal.SIGTERM)

    w = watcher([str(logs)], rules, state, sink, on_object=term)
    assert w.run(interval=3600) == 1  # returned: not killed, no hour-long wait
    assert {s: signal.getsignal(s) for s in before} == before
    assert [a["event_id"] for a in sink.alerts] == ["e0"]
    assert len(WatchState.load(state).seen[str(logs)]) == 1
    assert watcher([str(logs)], rules, state, sink).poll().objects == 1  # only 1.json.gz


@pytest.mark.usefixtures("term_raises")
def test_sigterm_while_waiting_for_the_next_poll(tmp_path: Path, rules: list[Rule]) -> None:
    (tmp_path / "logs").mkdir()
    before = signal.getsignal(signal.SIGTERM)
    w = watcher([str(tmp_path / "logs")], rules, tmp_path / "state.json", Sink())
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    timer.start()
    try:
        assert w.run(interval=3600) == 1
    finally:
        timer.cancel()
    assert time.monotonic() - started < 60
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.usefixtures("term_raises")
def test_cli_watch_exits_cleanly_on_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    put(logs, "a.json.gz", record("e1", 0))
    (tmp_path / "rule.yml").write_text(STOP_RULE)
    monkeypatch.setenv("CLOUDWARDEN_SPOOL", str(tmp_path / "spool"))
    poll = Watcher.poll

    def poll_then_term(self: Watcher) -> Any:
        result = poll(self)
        signal.raise_signal(signal.SIGTERM)  # as `timeout -s TERM` or `docker stop` would
        return result

    monkeypatch.setattr(Watcher, "poll", poll_then_term)
    out = tmp_path / "alerts.jsonl"
    argv = [
        "detect", "watch", str(logs), "--no-builtin", "--rules", str(tmp_path / "rule.yml"),
        "--state", str(tmp_path / "state.json"), "--settle", "0", "--interval", "3600",
        "--sink", f"file:{out}", "--no-store",
    ]  # fmt: skip
    assert main(argv) == 0
    assert "poll 1: 1 new object(s)" in capsys.readouterr().err
    assert len(WatchState.load(tmp_path / "state.json").seen[str(logs)]) == 1
    assert len(out.read_text().splitlines()) == 1


def test_sigterm_to_the_real_command(tmp_path: Path) -> None:
    """The process as systemd or Docker stops it: exit 0, its place saved."""
    logs = tmp_path / "logs"
    put(logs, "a.json.gz", record("e1", 0))
    (tmp_path / "rule.yml").write_text(STOP_RULE)
    state = tmp_path / "state.json"
    env = {**os.environ, "CLOUDWARDEN_SPOOL": str(tmp_path / "spool")}
    argv = [
        sys.executable, "-c", "from cloudwarden.cli.main import entry; entry()", "detect", "watch", str(logs), "--no-builtin",
        "--rules", str(tmp_path / "rule.yml"), "--state", str(state), "--settle", "0",
        "--interval", "3600", "--sink", f"file:{tmp_path / 'out.jsonl'}", "--no-store",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(120, proc.kill)
    killer.start()
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith("poll 1: 1 new object(s)"), line
        proc.send_signal(signal.SIGTERM)
        assert proc.wait() == 0, proc.stderr.read()
    finally:
        killer.cancel()
    assert len(WatchState.load(state).seen[str(logs)]) == 1


# -- 3. file: and store: sinks keep absolute paths ---------------------------------------


def test_local_sink_specs_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_sink("file:out/a.jsonl").spec == f"file:{tmp_path}/out/a.jsonl"
    assert FileSink("./a/../b.jsonl").path == tmp_path / "b.jsonl"
    assert parse_sink("store:real.db").spec == f"store:{tmp_path}/real.db"
    assert StoreSink("real.db").path == tmp_path / "real.db"
    assert parse_sink("file:/dev/stdout").spec == "file:/dev/stdout"  # not resolved


def _spool_for_file(folder: Path, spool: Path, target: str) -> None:
    """A failed delivery to ``file:target`` made from ``folder``: ``target``'s parent is a file."""
    blocker = folder / Path(target).parent
    blocker.write_text("not a folder")
    router = Router([parse_sink(f"file:{target}")], spool, attempts=1, sleep=_no_sleep)
    (report,) = router.deliver([{"alert_id": "a1", "rule_id": "r", "event_id": "e1"}])
    assert report.spooled == 1
    blocker.unlink()


def test_flush_from_another_folder_delivers_to_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    here, elsewhere, spool = tmp_path / "here", tmp_path / "elsewhere", tmp_path / "spool"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    _spool_for_file(here, spool, "sub/out.jsonl")
    markers = list(spool.glob("*.sink"))
    assert [m.read_text().strip() for m in markers] == [f"file:{here}/sub/out.jsonl"]
    monkeypatch.chdir(elsewhere)
    assert main(["detect", "flush", "--spool", "../spool"]) == 0
    assert not (elsewhere / "sub").exists()
    assert [json.loads(x)["alert_id"] for x in (here / "sub/out.jsonl").read_text().splitlines()]
    assert "1 re-sent from the spool" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["file:../here/sub/out.jsonl", "FILE:{here}/sub/out.jsonl"])
def test_flush_sink_matches_any_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    here, elsewhere, spool = tmp_path / "here", tmp_path / "elsewhere", tmp_path / "spool"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    _spool_for_file(here, spool, "./sub/out.jsonl")
    monkeypatch.chdir(elsewhere)
    argv = ["detect", "flush", "-q", "--spool", str(spool), "--sink"]
    assert main([*argv, spelling.format(here=here)]) == 0
    assert len((here / "sub/out.jsonl").read_text().splitlines()) == 1
    assert not list(spool.glob("*.jsonl"))


def test_a_spool_recorded_with_a_relative_path_is_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spools of older versions recorded ``file:out.jsonl``; flush finds them and says where."""
    spool = tmp_path / "spool"
    spool.mkdir()
    sid = spool_id("file:out.jsonl")
    (spool / f"{sid}.sink").write_text("file:out.jsonl\n")
    (spool / f"{sid}.jsonl").write_text('{"alert_id": "a1"}\n')
    monkeypatch.chdir(tmp_path)
    assert main(["detect", "flush", "-q", "--spool", str(spool), "--sink", "file:out.jsonl"]) == 0
    assert "relative path" in capsys.readouterr().err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1
    assert not (spool / f"{sid}.jsonl").exists()


# -- 4. flush --sink with nothing to match; webhook names ----------------------------------


def test_flush_unknown_sink_says_nothing_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _spool_for_file(tmp_path, tmp_path / "spool", "sub/out.jsonl")
    argv = ["detect", "flush", "--spool", str(tmp_path / "spool"), "--sink"]
    assert main([*argv, "file:other.jsonl"]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "nothing in the spool" in lines[0], lines
    assert f"file:{tmp_path}/other.jsonl" in lines[0]
    assert (tmp_path / "spool" / f"{spool_id(f'file:{tmp_path}/sub/out.jsonl')}.jsonl").exists()


def test_webhook_names_tell_webhooks_apart_without_secrets() -> None:
    urls = [
        "https://hooks.example.com/a/alerts",
        "https://hooks.example.com/a/audit",
        "https://hooks.example.com/b/alerts",
        "https://user:pw@hooks.example.com/b/alerts?token=s3cr3t",
    ]
    names = [WebhookSink(u).name for u in urls]
    assert len(set(names)) == 4, names
    assert names[0] == "webhook:https://hooks.example.com/a/alerts"
    assert not any("s3cr3t" in n or "pw" in n for n in names)
