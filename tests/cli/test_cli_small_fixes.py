"""Bad input to ``detect`` gets one clear line (or one per-rule problem), never noise or
misleading text: invalid ``|re`` patterns, ``detect alerts --db/--limit``, native test
``alerts:`` counts, Sigma files given to ``detect test``, upper-case ``.YML`` suffixes,
an empty ``--min-severity`` and a file given as ``--spool``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.detect.rules import load_native, load_rules, load_sigma

NATIVE = """\
id: root-login
title: Root login
severity: high
logsource: cloudtrail
detection:
  selection:
    userIdentity.type: Root
  condition: selection
tests:
  - name: root
    {expect}
    event: {{userIdentity: {{type: Root}}}}
  - name: not root
    expect: no_alert
    event: {{userIdentity: {{type: IAMUser}}}}
"""

SIGMA = """\
title: Stop logging
id: 0f0e0d0c-0b0a-4909-8807-060504030201
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: StopLogging}
  condition: selection
level: medium
"""

BAD_RE_SIGMA = SIGMA.replace("{eventName: StopLogging}", "{eventName|re: '(['}")
BAD_RE_NATIVE = NATIVE.format(expect="expect: alert").replace(
    "userIdentity.type: Root", "eventName|re: '(['"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default store and spool under tmp_path (never the user's)."""
    monkeypatch.setenv("CLOUDWARDEN_DB", str(tmp_path / "default.duckdb"))
    monkeypatch.setenv("CLOUDWARDEN_SPOOL", str(tmp_path / "spool"))
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def write_trail(folder: Path) -> Path:
    record = {
        "eventVersion": "1.08",
        "eventID": "e1",
        "eventTime": "2026-11-01T10:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "userIdentity": {"type": "Root"},
        "awsRegion": "eu-west-1",
        "recipientAccountId": "111122223333",
    }
    return write(folder, "trail.json", json.dumps({"Records": [record]}))


def one_error_line(err: str, fragment: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cloudwarden: error:") and fragment in lines[0], err


# ---- 1. an invalid |re pattern: cloudwarden's problem only, no RE2 log lines ------------


@pytest.mark.parametrize(("name", "text"), [("s.yml", BAD_RE_SIGMA), ("n.yml", BAD_RE_NATIVE)])
def test_an_invalid_regex_is_one_problem_without_re2_logging(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    path = write(tmp_path, name, text)
    capfd.readouterr()
    res = load_rules([path])
    out, err = capfd.readouterr()
    assert res.rules == ()
    (problem,) = res.problems
    assert "Regular expression '([' is invalid: missing ]: [" in problem.message
    assert "b'" not in problem.message  # RE2's bytes, decoded
    assert err == "" and out == ""  # no "absl::InitializeLog" / "re2.cc ... Error parsing"


def test_a_valid_regex_with_flags_still_loads_and_matches(tmp_path: Path) -> None:
    text = NATIVE.format(expect="expect: alert").replace(
        "userIdentity.type: Root", "userIdentity.type|re|i: '^ro+t$'"
    )
    (rule,) = load_native([write(tmp_path, "r.yml", text)]).rules
    assert rule.id == "root-login"
    assert main(["detect", "test", str(tmp_path / "r.yml")]) == 0


def test_cli_rules_with_an_invalid_regex_writes_no_re2_log(
    env: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = write(env, "s.yml", BAD_RE_SIGMA)
    assert main(["detect", "rules", "--no-builtin", "--rules", str(path)]) == 0
    err = capfd.readouterr().err
    assert "re2.cc" not in err and "absl" not in err and "WARNING" not in err
    assert "Regular expression '([' is invalid" in err


# ---- 2. detect alerts: a --db that does not exist, a --limit below 1 --------------------


def test_alerts_with_a_missing_db_is_an_error(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["detect", "alerts", "--db", str(env / "nosuch.db")]) == 2
    one_error_line(capsys.readouterr().err, f"--db {env / 'nosuch.db'}: no such store")


@pytest.mark.parametrize("limit", ["-5", "0"])
def test_alerts_limit_below_one_is_rejected(
    env: Path, capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    assert main(["detect", "alerts", "--limit", limit]) == 2
    one_error_line(capsys.readouterr().err, "--limit")


# ---- 3. a native test's alerts: a whole number >= 0 -------------------------------------


@pytest.mark.parametrize("value", ["-1", "1.5", "many", "true"])
def test_alerts_count_must_be_a_whole_number(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "r.yml", NATIVE.format(expect=f"alerts: {value}"))
    res = load_native([path])
    assert res.rules == ()
    (problem,) = res.problems
    assert problem.message == "test 'root': alerts must be a whole number >= 0"


@pytest.mark.parametrize(("value", "code"), [("0", 1), ("1", 0)])
def test_alerts_count_zero_and_up_are_accepted(tmp_path: Path, value: str, code: int) -> None:
    path = write(tmp_path, "r.yml", NATIVE.format(expect=f"alerts: {value}"))
    (rule,) = load_native([path]).rules
    assert rule.tests[0].expect == int(value)
    assert main(["detect", "test", str(path)]) == code


# ---- 4. detect test on a Sigma rule says it is one --------------------------------------


def test_detect_test_on_a_sigma_rule_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "sigma.yml", SIGMA)
    assert main(["detect", "test", str(path)]) == 2
    err = capsys.readouterr().err
    problems = [ln for ln in err.splitlines() if ln.startswith("cloudwarden: rule")]
    assert len(problems) == 1, err
    assert "a Sigma rule (has 'level' and no 'severity')" in problems[0]
    assert "detect test runs the tests of native rules" in problems[0]
    assert "severity" not in problems[0].split("(")[0] and "unknown key" not in err


def test_a_sigma_rule_without_level_is_known_by_its_logsource(tmp_path: Path) -> None:
    text = SIGMA.replace("level: medium\n", "")
    (problem,) = load_native([write(tmp_path, "sigma.yml", text)]).problems
    assert problem.message.startswith("a Sigma rule (its logsource is a mapping)")


def test_a_native_rule_with_level_for_severity_keeps_its_key_problems(tmp_path: Path) -> None:
    text = NATIVE.format(expect="expect: alert").replace("severity: high", "level: high")
    messages = {p.message for p in load_native([write(tmp_path, "r.yml", text)]).problems}
    assert messages == {"missing required key 'severity'", "unknown key 'level'"}


# ---- 5. upper-case .YML / .YAML in a folder ---------------------------------------------


def test_upper_case_suffixes_are_rule_files(tmp_path: Path) -> None:
    write(tmp_path, "NATIVE.YML", NATIVE.format(expect="expect: alert"))
    write(tmp_path, "Sigma.Yaml", SIGMA)
    write(tmp_path, "notes.txt", "not a rule")
    assert sorted(r.source for r in load_rules([tmp_path]).rules) == ["native", "sigma"]
    assert [r.id for r in load_native([tmp_path]).rules] == ["root-login"]
    assert len(load_sigma([tmp_path / "Sigma.Yaml"]).rules) == 1


# ---- 6. --min-severity "" is an unknown severity ----------------------------------------


@pytest.mark.parametrize("command", ["run", "rules"])
def test_empty_min_severity_is_rejected(
    env: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    write(env, "r.yml", NATIVE.format(expect="expect: alert"))
    args = ["detect", command, "--no-builtin", "--rules", str(env / "r.yml")]
    if command == "run":
        args.append(str(write_trail(env)))
    assert main([*args, "--min-severity", ""]) == 2
    one_error_line(capsys.readouterr().err, "unknown severity ''")


# ---- 7. --spool naming a file -----------------------------------------------------------


def test_spool_that_is_a_file_is_not_a_folder(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(env, "r.yml", NATIVE.format(expect="expect: alert"))
    spool = write(env, "srv.py", "print('hi')\n")
    trail = write_trail(env)
    rules = ["--no-builtin", "--rules", str(env / "r.yml")]
    sink = ["--sink", "webhook:http://127.0.0.1:9/never"]
    assert main(["detect", "run", *rules, *sink, "--spool", str(spool), str(trail)]) == 2
    one_error_line(capsys.readouterr().err, f"--spool {spool}: not a folder")
    assert main(["detect", "flush", "--spool", str(spool)]) == 2
    one_error_line(capsys.readouterr().err, f"--spool {spool}: not a folder")
    watch = ["detect", "watch", *rules, "--max-polls", "1", "--spool", str(spool), str(trail)]
    assert main(watch) == 2
    one_error_line(capsys.readouterr().err, f"--spool {spool}: not a folder")
    inside = spool / "sub"
    assert main(["detect", "run", *rules, "--spool", str(inside), str(trail)]) == 2
    one_error_line(capsys.readouterr().err, f"--spool {inside}: not a folder ({spool} is a file)")
    assert spool.read_text() == "print('hi')\n"
