"""Native rule files: what loads, and every problem located at its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cloudwarden.detect.rules import (
    Dedup,
    Match,
    Threshold,
    builtin_native_rules,
    load_native,
    load_rules,
    parse_duration,
    parse_threshold,
)
from cloudwarden.detect.rules.ir import Problem

GOOD = """\
id: cw-test-brute-force
title: Failed sign-ins
description: >
  Many failures.
severity: high
logsource: cloudtrail
tags: [attack.credential-access, attack.t1110]
author: tester
references: [https://example.com]
falsepositives: [forgetful users]
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: selection
threshold: count >= 5 by sourceIPAddress within 10m
dedup:
  by: [sourceIPAddress]
  suppress: 1h
runbook: |
  Look at the address.
playbook: compromised-credentials
tests:
  - name: five failures
    expect: alert
    events:
      - &f {eventName: ConsoleLogin, responseElements: {ConsoleLogin: Failure}}
      - *f
  - name: a success
    expect: no_alert
    event: {eventName: ConsoleLogin, eventTime: 2026-11-01T10:00:00Z}
  - name: exact
    alerts: 0
    events: [*f]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def only_problem(folder: Path) -> Problem:
    res = load_native([folder])
    assert res.rules == ()
    assert len(res.problems) == 1, [str(p) for p in res.problems]
    return res.problems[0]


def test_a_full_rule_loads_into_the_ir(tmp_path: Path) -> None:
    path = write(tmp_path, "r.yml", GOOD)
    res = load_native([tmp_path])
    assert res.problems == ()
    (rule,) = res.rules
    assert rule.id == "cw-test-brute-force" and rule.source == "native"
    assert rule.level == "high" and rule.service == "cloudtrail" and rule.product == "aws"
    assert rule.attack_ids == ("T1110",)
    assert rule.description == "Many failures."
    assert rule.threshold == Threshold(">=", 5, 600, ("sourceIPAddress",))
    assert rule.dedup == Dedup(("sourceIPAddress",), 3600)
    assert rule.runbook == "Look at the address." and rule.playbook == "compromised-credentials"
    assert rule.source_path == str(path)
    assert Match("eventName", "equals", ("ConsoleLogin",)) in rule.detection.args  # type: ignore[union-attr]
    five, success, exact = rule.tests
    assert (five.name, five.expect, len(five.events), five.line) == (
        "five failures",
        "alert",
        2,
        24,
    )
    assert success.expect == "no_alert"
    assert success.events == ({"eventName": "ConsoleLogin", "eventTime": "2026-11-01T10:00:00Z"},)
    assert exact.expect == 0 and exact.passes(0) and not exact.passes(1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count >= 5 by a, b within 10m", Threshold(">=", 5, 600, ("a", "b"))),
        ("count > 0 within 30s", Threshold(">", 0, 30)),
        (
            "count(distinct dstport) > 50 by srcaddr within 1m",
            Threshold(">", 50, 60, ("srcaddr",), "dstport"),
        ),
        (
            "count( distinct  userIdentity.arn )>=3 by account-id within 2h",
            Threshold(">=", 3, 7200, ("account-id",), "userIdentity.arn"),
        ),
        ("count >= 1 within 1d", Threshold(">=", 1, 86400)),
    ],
)
def test_threshold_grammar(text: str, expected: Threshold) -> None:
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "count = 5 within 10m",  # only > and >=
        "count >= 5 by a, b",  # no window
        "count >= 5 within 10",  # no unit
        "count >= 5 within 0m",
        "count >= 5 within 10w",
        "count >= 0 within 1m",  # always met
        "sum(bytes) > 5 within 1m",
        "count >= 5 by within 1m",
        "count(distinct) > 5 within 1m",
    ],
)
def test_bad_thresholds_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_threshold(text)


def test_durations() -> None:
    assert [parse_duration(d) for d in ("45s", "10m", "2h", "7d")] == [45, 600, 7200, 604800]
    for bad in ("", "m", "1.5h", "-1m", "0s", "10 minutes"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (_replace("severity: high", "severity: urgent"), 5, "severity 'urgent'"),
        (_replace("logsource: cloudtrail", "logsource: syslog"), 6, "logsource 'syslog'"),
        (_replace("logsource: cloudtrail", "logsource: {service: cloudtrail}"), 6, "logsource"),
        (_replace("title: Failed sign-ins\n", ""), None, "missing required key 'title'"),
        (_replace("author: tester", "autor: tester"), 8, "unknown key 'autor'"),
        (_replace("within 10m", "within 10 minutes"), 16, "bad threshold"),
        (_replace("suppress: 1h", "suppress: an hour"), 17, "bad duration"),
        (_replace("suppress: 1h", "suppress: 1h\n  window: 2h"), 17, "unknown key(s) window"),
        (_replace("id: cw-test-brute-force", "id: Brute_Force"), 1, "is not [a-z0-9-]+"),
        (_replace("attack.t1110", "T1110"), 7, "tag 'T1110'"),
        (_replace("condition: selection", "condition: selection and nope"), 11, "detection:"),
        (_replace("ConsoleLogin: Failure", "ConsoleLogin|bogus: Failure"), 11, "bogus"),
        (
            _replace("playbook:", "python: cloudwarden.no_such_module:f\nplaybook:"),
            22,
            "cannot import 'cloudwarden.no_such_module'",
        ),
        (
            _replace("playbook:", "python: cloudwarden.detect.rules.hatch:nothing\nplaybook:"),
            22,
            "has no function 'nothing'",
        ),
        (_replace("playbook:", "python: not a reference\nplaybook:"), 22, "module:function"),
        (_replace("    expect: no_alert\n", ""), 29, "exactly one of 'expect' and 'alerts'"),
        (_replace("    expect: no_alert\n", "    expect: maybe\n"), 29, "alert or no_alert"),
        (_replace("  - name: a success\n", "  - nom: a success\n"), 29, "needs a name"),
        (
            _replace(
                "event: {eventName: ConsoleLogin, eventTime: 2026-11-01T10:00:00Z}", "event: a line"
            ),
            29,
            "cloudtrail test events are JSON objects",
        ),
        (_replace("severity: high", "severity: high\nseverity: low"), 6, "given twice"),
        (
            _replace("detection:\n  selection:", "detection: selection\nx:\n  selection:"),
            11,
            "mapping",
        ),
    ],
)
def test_each_problem_is_located(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = write(tmp_path, "rule.yml", text)
    res = load_native([path])
    assert res.rules == ()
    assert res.problems, "expected a problem"
    problem = next((p for p in res.problems if message in p.message), None)
    assert problem is not None, [str(p) for p in res.problems]
    assert problem.path == str(path)
    assert problem.line == line
    assert problem.kind == "invalid"


def test_invalid_yaml_and_non_mapping_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "id: [unclosed\n")
    problem = only_problem(tmp_path)
    assert "invalid YAML" in problem.message and problem.line is not None
    (tmp_path / "a.yml").write_text("- just\n- a list\n")
    assert "one YAML mapping" in only_problem(tmp_path).message


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    res = load_native([tmp_path / "nope.yml"])
    assert [p.message for p in res.problems] == ["no such file or folder"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a/one.yml", GOOD)
    write(tmp_path, "b/two.yaml", GOOD)
    res = load_native([tmp_path])
    assert len(res.rules) == 1
    (problem,) = res.problems
    assert problem.path.endswith("two.yaml") and "duplicate rule id" in problem.message
    assert problem.rule_id == "cw-test-brute-force"


def test_problems_carry_the_rule_id(tmp_path: Path) -> None:
    write(tmp_path, "r.yml", _replace("severity: high", "severity: urgent"))
    assert only_problem(tmp_path).rule_id == "cw-test-brute-force"
    assert "r.yml:5: invalid: severity" in str(only_problem(tmp_path))


def test_all_problems_of_a_file_are_reported(tmp_path: Path) -> None:
    text = _replace("severity: high", "severity: urgent").replace("within 10m", "within ever")
    write(tmp_path, "r.yml", text)
    res = load_native([tmp_path])
    assert sorted(p.line or 0 for p in res.problems) == [5, 16]


def test_load_rules_sends_each_file_to_its_loader(tmp_path: Path) -> None:
    write(tmp_path, "native.yml", GOOD)
    write(
        tmp_path,
        "sigma.yml",
        """\
        title: Sigma rule
        id: 5f3a8f2e-3f51-4a6c-9f0e-3d1d9c9f0a11
        logsource: {product: aws, service: cloudtrail}
        detection:
          selection: {eventName: StopLogging}
          condition: selection
        level: high
        """,
    )
    write(tmp_path, "dup.yml", GOOD.replace("title: Failed sign-ins", "title: Again"))
    res = load_rules([tmp_path])
    assert sorted(r.source for r in res.rules) == ["native", "sigma"]
    assert [p.message.split(" (")[0] for p in res.problems] == ["duplicate rule id"]


def test_the_builtin_pack_loads_without_problems() -> None:
    res = builtin_native_rules()
    assert res.problems == (), [str(p) for p in res.problems]
    assert len(res.rules) >= 3
    for rule in res.rules:
        assert rule.id.startswith("cw-")
        assert Path(rule.source_path).parent.name == rule.service
