"""``detect run --sink/--store``, ``detect alerts``, ``detect flush`` and ``detect watch``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.testing.webhook import Receiver, down_url, webhook_server

RULE_ID = "6f1c1a52-5f8e-4c55-9d3a-2b1b6c1f0a01"
RULE = f"""\
title: CloudTrail logging stopped (test)
id: {RULE_ID}
status: experimental
author: cloudwarden tests
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: StopLogging
    condition: selection
level: high
"""


def _record(event_id: str, minute: int, name: str = "StopLogging") -> dict[str, object]:
    return {
        "eventVersion": "1.08",
        "eventID": event_id,
        "eventTime": f"2026-11-01T10:{minute:02d}:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "recipientAccountId": "111122223333",
    }


def write_log(folder: Path, name: str, *ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    records = [_record(i, n) for n, i in enumerate(ids)] + [_record("benign", 9, "GetObject")]
    path.write_text(json.dumps({"Records": records}))
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A rule file; the default store and spool under tmp_path (never the user's)."""
    monkeypatch.setenv("CLOUDWARDEN_DB", str(tmp_path / "default.duckdb"))
    monkeypatch.setenv("CLOUDWARDEN_SPOOL", str(tmp_path / "spool"))
    (tmp_path / "rule.yml").write_text(RULE)
    return tmp_path


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with webhook_server() as receiver:
        yield receiver


def run(tmp: Path, *args: str) -> int:
    return main(["detect", "run", "--no-builtin", "--rules", str(tmp / "rule.yml"), "-q", *args])


def one_error_line(err: str, fragment: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cloudwarden: error:") and fragment in lines[0]


def test_sinks_replace_stdout(
    env: Path, hook: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(env / "logs", "a.json", "e1", "e2")
    out = env / "out" / "alerts.jsonl"
    assert run(env, str(log), "--sink", f"file:{out}", "--sink", f"webhook:{hook.url}") == 0
    stdout, err = capsys.readouterr()
    assert stdout == "" and err == ""
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [a["event_id"] for a in lines] == ["e1", "e2"]
    assert all(a["alert_id"] for a in lines)
    assert [a["alert_id"] for a in hook.alerts] == [a["alert_id"] for a in lines]
    assert not (env / "default.duckdb").exists()  # recording is opt-in for `detect run`


def test_bad_sink_is_one_line_before_reading(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(env / "logs", "a.json", "e1")
    assert run(env, str(log), "--sink", "kafka:alerts") == 2
    one_error_line(capsys.readouterr().err, "bad sink 'kafka:alerts'")


def test_store_flag_and_alerts_listing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(env / "logs", "a.json", "e1", "e2")
    db = env / "alerts.duckdb"
    assert run(env, str(log), "--db", str(db)) == 0
    assert run(env, str(log), "--db", str(db)) == 0  # the same alerts again: stored once
    capsys.readouterr()
    assert main(["detect", "alerts", "--db", str(db), "--json"]) == 0
    listed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert sorted(a["event_id"] for a in listed) == ["e1", "e2"]
    assert main(["detect", "alerts", "--db", str(db), "--json", "--severity", "low"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["detect", "alerts", "--db", str(db), "--rule", RULE_ID]) == 0
    out, err = capsys.readouterr()
    assert "2 alert(s)" in err and listed[0]["alert_id"] in out

    assert run(env, str(log), "--store") == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # recording is not an output
    assert main(["detect", "alerts", "--json"]) == 0  # the default store ($CLOUDWARDEN_DB)
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_db_with_no_store_conflicts(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(env / "logs", "a.json", "e1")
    assert run(env, str(log), "--no-store", "--db", str(env / "x.duckdb")) == 2
    one_error_line(capsys.readouterr().err, "cannot go with --no-store")


def test_alerts_bad_severity_and_no_store(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "alerts"]) == 0
    assert "no store at" in capsys.readouterr().err
    assert main(["detect", "alerts", "--severity", "loud"]) == 2
    one_error_line(capsys.readouterr().err, "unknown severity 'loud'")


def test_failed_sink_spools_and_flush_delivers(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(env / "logs", "a.json", "e1")
    url = down_url()
    assert run(env, str(log), "--sink", f"webhook:{url}") == 0  # alerts are safe: not an error
    err = capsys.readouterr().err
    assert "cloudwarden: warning:" in err and "1 alert(s) spooled" in err
    assert "detect flush" in err

    assert main(["detect", "flush", "-q"]) == 2  # still down
    one_error_line(capsys.readouterr().err.split("\n", 1)[1], "1 alert(s) still spooled")

    port = int(url.split(":")[2].split("/")[0])
    with webhook_server(port) as hook:
        assert main(["detect", "flush"]) == 0
    assert [a["event_id"] for a in hook.alerts] == ["e1"]
    assert main(["detect", "flush"]) == 0
    assert "nothing spooled" in capsys.readouterr().err


def test_watch_once_then_nothing_twice(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = env / "logs"
    write_log(logs, "a.json", "e1")
    out = env / "alerts.jsonl"
    argv = [
        "detect", "watch", str(logs), "--no-builtin", "--rules", str(env / "rule.yml"),
        "--state", str(env / "state.json"), "--once", "--settle", "0", "--sink", f"file:{out}",
    ]  # fmt: skip
    assert main(argv) == 0
    assert "poll 1: 1 new object(s), 2 event(s), 1 alert(s)" in capsys.readouterr().err
    assert main(argv) == 0
    assert "poll 1: 0 new object(s)" in capsys.readouterr().err
    write_log(logs, "b.json", "e2")
    assert main([*argv, "-q"]) == 0
    assert [json.loads(x)["event_id"] for x in out.read_text().splitlines()] == ["e1", "e2"]
    assert main(["detect", "alerts", "--json"]) == 0  # watch records by default
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_watch_corrupt_state_is_one_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = env / "logs"
    write_log(logs, "a.json", "e1")
    state = env / "state.json"
    state.write_text("{half")
    argv = ["detect", "watch", str(logs), "--state", str(state), "--once", "--no-store"]
    assert main(argv) == 2
    one_error_line(capsys.readouterr().err, "is corrupt")


def test_watch_says_where_and_why_even_quiet(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll's problems (a broken file, a folder that cannot be listed: root lists any
    folder, so os.scandir is made to refuse one) are named one per line, with -q too."""
    import os

    logs = env / "logs"
    write_log(logs, "a.json", "e1")
    (logs / "broken.json").write_text("{not json")
    (logs / "locked").mkdir()
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if isinstance(path, str | os.PathLike) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    argv = [
        "detect", "watch", str(logs), "--no-builtin", "--rules", str(env / "rule.yml"),
        "--state", str(env / "state.json"), "--once", "--settle", "0", "-q",
        "--sink", f"file:{env / 'alerts.jsonl'}",
    ]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert "cloudwarden: warning: poll 1: locked/: cannot list folder: Permission denied" in err
    assert any(line.startswith("cloudwarden: warning: poll 1: broken.json:") for line in err)


def test_a_failure_retrying_cannot_fix_says_so(
    env: Path, hook: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 404 is not retryable (docs/alert-delivery.md): the alerts still wait in the spool,
    and the warning says that trying again will not help until the cause is fixed."""
    log = write_log(env / "logs", "a.json", "e1")
    hook.fail, hook.status = 10, 404
    assert run(env, str(log), "--sink", f"webhook:{hook.url}", "--spool", str(env / "sp")) == 0
    err = capsys.readouterr().err
    assert "1 alert(s) spooled" in err and "trying again will not help until this is fixed" in err
