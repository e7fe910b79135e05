"""``cloudwarden detect run|rules``: JSON Lines alerts, summary, one-line errors, rule listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli import detect as detect_cmd
from cloudwarden.cli.main import app, main

STOP_LOGGING_RULE = "4db60cc0-36fb-42b7-9b58-a5b53019fb74"  # AWS CloudTrail Important Change
NO_MFA_RULE = "77caf516-34e5-4df9-b4db-20744fea0a60"  # Successful Console Login Without MFA
ACCOUNT = "111122223333"


def _record(event_id: str, minute: int, name: str, **extra: object) -> str:
    source = {"StopLogging": "cloudtrail", "ConsoleLogin": "signin"}.get(name, "s3")
    user = str(extra.pop("user", "bob"))
    return json.dumps(
        {
            "eventVersion": "1.08",
            "eventID": event_id,
            "eventTime": f"2026-11-01T10:{minute:02d}:00Z",
            "eventSource": f"{source}.amazonaws.com",
            "eventName": name,
            "awsRegion": "eu-west-1",
            "recipientAccountId": ACCOUNT,
            "userIdentity": {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
                "accountId": ACCOUNT,
                "userName": user,
            },
            **extra,
        }
    )


def write_trail(folder: Path) -> Path:
    """StopLogging, a ConsoleLogin without MFA, benign events and one broken line."""
    ok = {"ConsoleLogin": "Success"}
    lines = [
        _record("e-benign-get", 0, "GetObject"),
        _record("e-stop", 1, "StopLogging", user="mallory", requestParameters={"name": "main"}),
        _record(
            "e-login", 2, "ConsoleLogin", responseElements=ok, additionalEventData={"MFAUsed": "No"}
        ),
        _record(
            "e-login-mfa",
            3,
            "ConsoleLogin",
            user="alice",
            responseElements=ok,
            additionalEventData={"MFAUsed": "Yes"},
        ),
        _record("e-benign-put", 4, "PutObject", user="alice"),
        "this is not json",
    ]
    path = folder / "trail.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def _registered() -> None:
    """``detect`` on the main app (a no-op once main.py registers it)."""
    if not any(g.name == "detect" for g in app.registered_groups):
        app.add_typer(detect_cmd.app, name="detect")


CUSTOM_RULE = """\
title: Object read by bob
id: 11111111-2222-3333-4444-555555555555
status: experimental
author: cloudwarden tests
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: GetObject
        userIdentity.userName: bob
    condition: selection
level: low
"""

BROKEN_RULE = """\
title: Broken
id: 99999999-2222-3333-4444-555555555555
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: GetObject
    condition: selection and nothing_here
level: low
"""


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("engine", ["stream", "batch"])
def test_run_writes_json_lines_to_stdout_and_summary_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    trail = write_trail(tmp_path)
    assert main(["detect", "run", str(trail), "--engine", engine]) == 0
    out, err = capsys.readouterr()
    every = _lines(out)
    alerts = [a for a in every if a["rule_origin"] == "sigma"]  # the native pack fires too
    assert [(a["rule_id"], a["event_id"]) for a in alerts] == [
        (STOP_LOGGING_RULE, "e-stop"),
        (NO_MFA_RULE, "e-login"),
    ]
    for a in alerts:
        assert a["author"] and a["license"] == "DRL-1.1"
        assert "github.com/SigmaHQ/sigma" in str(a["rule_source"])
        assert a["severity"] == "medium"
        assert a["account"] == "111122223333"
    assert "events read: 5" in err
    assert "unparseable records: 1 (invalid JSON: 1)" in err
    assert f"alerts: {len(every)}" in err
    assert "AWS Successful Console Login Without MFA" in err


def test_run_output_file_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = write_trail(tmp_path)
    target = tmp_path / "out" / "alerts.jsonl"
    assert main(["detect", "run", str(trail), "--output", str(target), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("cloudwarden: warning: 1 record(s)") and err.count("\n") == 1  # bad line
    written = _lines(target.read_text())
    assert sum(a["rule_origin"] == "sigma" for a in written) == 2
    assert [p.name for p in target.parent.iterdir()] == ["alerts.jsonl"]  # no temp left


def test_run_same_output_for_both_engines(tmp_path: Path) -> None:
    trail = write_trail(tmp_path)
    outs = []
    for engine in ("stream", "batch"):
        target = tmp_path / f"{engine}.jsonl"
        assert main(["detect", "run", str(trail), "-q", "--engine", engine, "-o", str(target)]) == 0
        outs.append(target.read_text())
    assert outs[0] == outs[1]


def test_extra_and_only_custom_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = write_trail(tmp_path)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "custom.yml").write_text(CUSTOM_RULE)
    (rules / "broken.yml").write_text(BROKEN_RULE)
    assert main(["detect", "run", str(trail), "--rules", str(rules)]) == 0
    out, err = capsys.readouterr()
    ids = [a["rule_id"] for a in _lines(out)]
    assert ids.count("11111111-2222-3333-4444-555555555555") == 1
    assert STOP_LOGGING_RULE in ids
    assert "broken.yml" in err  # reported per rule, not fatal

    assert main(["detect", "run", str(trail), "--rules", str(rules), "--no-builtin", "-q"]) == 0
    out, _ = capsys.readouterr()
    custom = _lines(out)
    assert [(a["rule_id"], a["event_id"], a["author"]) for a in custom] == [
        ("11111111-2222-3333-4444-555555555555", "e-benign-get", "cloudwarden tests")
    ]
    assert custom[0]["severity"] == "low"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["detect", "run", "{tmp}/missing.jsonl"], "missing.jsonl: no such file or folder"),
        (["detect", "run", "{trail}", "--engine", "spark"], "unknown engine 'spark'"),
        (["detect", "run", "{trail}", "--no-builtin"], "no rules selected"),
    ],
)
def test_user_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    trail = write_trail(tmp_path)
    args = [a.format(tmp=tmp_path, trail=trail) for a in argv]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("cloudwarden: error: ") and message in err


def test_unwritable_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = write_trail(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["detect", "run", str(trail), "-q", "-o", str(blocker / "a.jsonl")]) == 2
    errors = [ln for ln in capsys.readouterr().err.splitlines() if "error" in ln]
    assert len(errors) == 1 and errors[0].startswith("cloudwarden: error: cannot write")


def test_rules_lists_57_builtin_sigma_rules_and_the_native_pack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["detect", "rules", "--json"]) == 0
    out, err = capsys.readouterr()
    rules = _lines(out)
    assert sum(r["origin"] == "sigma" for r in rules) == 57
    assert any(r["id"] == "cw-console-login-brute-force" for r in rules)
    assert f"{len(rules)} rule(s) loaded" in err
    by_id = {r["id"]: r for r in rules}
    mfa = by_id[NO_MFA_RULE]
    assert mfa["logsource"] == "aws/cloudtrail"
    assert "additionalEventData.MFAUsed" in mfa["fields"]  # type: ignore[operator]
    assert mfa["author"] and mfa["level"] == "medium"


def test_rules_text_listing_and_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.yml").write_text(BROKEN_RULE)
    (tmp_path / "custom.yml").write_text(CUSTOM_RULE)
    assert main(["detect", "rules", "--rules", str(tmp_path), "--no-builtin"]) == 0
    out, err = capsys.readouterr()
    assert "Object read by bob" in out
    assert "fields: eventName, userIdentity.userName" in out
    assert "1 rule(s) loaded" in err
    assert "broken.yml" in err


def test_min_severity_and_exclude_rule_select_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = write_trail(tmp_path)
    assert main(["detect", "run", str(trail), "-q"]) == 0
    every = _lines(capsys.readouterr().out)
    severities = {a["severity"] for a in every}
    assert "medium" in severities or "low" in severities  # the selection below has to drop some

    assert main(["detect", "run", str(trail), "-q", "--min-severity", "high"]) == 0
    high = _lines(capsys.readouterr().out)
    assert high and {a["severity"] for a in high} <= {"high", "critical"}
    assert [a for a in every if a["severity"] in ("high", "critical")] == high

    argv = ["detect", "run", str(trail), "-q", "--exclude-rule", "cw-*"]
    assert main([*argv, "--exclude-rule", NO_MFA_RULE]) == 0
    kept = _lines(capsys.readouterr().out)
    assert kept and not any(
        a["rule_id"].startswith("cw-") or a["rule_id"] == NO_MFA_RULE for a in kept
    )
    assert {a["rule_id"] for a in kept} == {
        a["rule_id"] for a in every if not a["rule_id"].startswith("cw-")
    } - {NO_MFA_RULE}

    assert main(["detect", "run", str(trail), "--min-severity", "urgent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cloudwarden: error: ") and err.count("\n") == 1


def test_rules_listing_follows_the_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "rules", "--json", "--min-severity", "critical"]) == 0
    listed = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert listed and all(r["level"] == "critical" for r in listed)


def test_alerts_are_serialised_in_chunks_that_join_to_the_whole(tmp_path: Path) -> None:
    """``detect run`` writes alerts as they are serialised (months of logs raise millions);
    the chunks join to exactly one JSON line per alert, in order."""
    from cloudwarden.detect.rules import builtin_rules
    from cloudwarden.detect.run import run_detection

    alerts = run_detection([str(write_trail(tmp_path))], builtin_rules().rules).alerts
    assert len(alerts) >= 3
    chunks = list(detect_cmd._jsonl(alerts, per_chunk=2))
    assert len(chunks) == (len(alerts) + 1) // 2
    lines = b"".join(chunks).splitlines()
    assert [json.loads(line)["alert_id"] for line in lines] == [a.alert_id for a in alerts]
    assert [json.loads(line) for line in lines] == [a.to_dict() for a in alerts]


def test_output_that_is_an_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = write_trail(tmp_path)
    before = trail.read_bytes()
    assert main(["detect", "run", str(trail), "-q", "-o", str(trail)]) == 2
    assert main(["detect", "run", str(tmp_path), "-q", "-o", str(trail)]) == 2  # inside a folder
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("one of the logs being read" in line for line in err)
    assert trail.read_bytes() == before
    assert main(["detect", "run", str(trail), "-q", "-o", str(tmp_path / "new.jsonl")]) == 0


def test_nothing_readable_is_an_error_and_quiet_still_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cut.json.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    assert main(["detect", "run", str(bad), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no events could be read: 1 problem(s); first: cut.json.gz" in err[0]
    assert main(["detect", "run", str(write_trail(tmp_path)), "-q"]) == 0  # one bad line of 6
    out, err2 = capsys.readouterr()
    assert _lines(out) and err2.strip().splitlines() == [
        "cloudwarden: warning: 1 record(s) or file(s) could not be read "
        "(run without -q for where and why)"
    ]


def test_missing_rules_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trail = write_trail(tmp_path)
    assert main(["detect", "run", str(trail), "-q", "--rules", str(tmp_path / "nosuch")]) == 2
    assert main(["detect", "rules", "--rules", str(tmp_path / "nosuch.yml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("no such file or folder" in line for line in err)
