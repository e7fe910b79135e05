"""Rule tests: raw records become events, both engines run them, ``detect test`` reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.detect.rules import load_native
from cloudwarden.detect.rules.testing import TEST_EPOCH, events_of, missing_tests, run_rule_tests

CLOUDTRAIL_RULE = """\
id: cw-stop-logging
title: Trail stopped
severity: high
logsource: cloudtrail
detection:
  selection: {eventName: StopLogging}
  condition: selection
threshold: count >= 2 within 1m
tests:
  - name: twice
    expect: alert
    events: [{eventName: StopLogging}, {eventName: StopLogging, eventID: mine}]
  - name: once
    expect: no_alert
    event: {eventName: StopLogging}
  - name: wrong on purpose
    alerts: 2
    events: [{eventName: StopLogging}, {eventName: StopLogging}]
"""

FLOW_RULE = """\
id: cw-ssh-rejected
title: SSH rejected
severity: low
logsource: vpcflow
detection:
  selection: {dstport: 22, action: REJECT}
  condition: selection
tests:
  - name: rejected ssh
    expect: alert
    events:
      - "2 111122223333 eni-1 198.51.100.9 10.0.0.5 40000 22 6 1 40 1700000000 1700000010 REJECT OK"
  - name: accepted, with a header line
    expect: no_alert
    events:
      - "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
      - "2 111122223333 eni-1 198.51.100.9 10.0.0.5 40000 22 6 1 40 1700000000 1700000010 ACCEPT OK"
"""

ACCESS_RULE = """\
id: cw-anonymous-get
title: Anonymous read
severity: medium
logsource: s3access
detection:
  selection: {operation: REST.GET.OBJECT, requester: null}
  condition: selection
tests:
  - name: anonymous
    expect: alert
    event: '79a5 reports [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57 REST.GET.OBJECT a.txt "GET /a.txt HTTP/1.1" 200 - 113 113 7 6 "-" "curl" -'
  - name: signed
    expect: no_alert
    event: '79a5 reports [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::111122223333:user/bob 3E57 REST.GET.OBJECT a.txt "GET /a.txt HTTP/1.1" 200 - 113 113 7 6 "-" "curl" -'
  - name: not a log line
    expect: no_alert
    event: hello
"""


def load_one(tmp_path: Path, text: str, name: str = "rule.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_cloudtrail_records_get_ids_and_times_one_second_apart(tmp_path: Path) -> None:
    res = load_native([load_one(tmp_path, CLOUDTRAIL_RULE)])
    (rule,) = res.rules
    events = events_of(rule, rule.tests[0])
    assert [e.key for e in events] == ["cw-stop-logging:twice:1", "mine"]
    assert [(e.time - TEST_EPOCH).total_seconds() for e in events] == [0, 1]


def test_results_on_both_engines(tmp_path: Path) -> None:
    (rule,) = load_native([load_one(tmp_path, CLOUDTRAIL_RULE)]).rules
    results = run_rule_tests(rule)
    assert [(r.test, r.engine, r.passed) for r in results] == [
        ("twice", "stream", True),
        ("twice", "batch", True),
        ("once", "stream", True),
        ("once", "batch", True),
        ("wrong on purpose", "stream", False),
        ("wrong on purpose", "batch", False),
    ]
    bad = results[-1]
    assert bad.message == "expected alerts: 2, got 1 alert"
    assert str(bad).endswith("'wrong on purpose' [batch]: FAIL: expected alerts: 2, got 1 alert")
    assert bad.line == 16 and bad.path.endswith("rule.yml")
    assert missing_tests(rule) is None


def test_text_log_lines_go_through_the_line_parsers(tmp_path: Path) -> None:
    res = load_native(
        [load_one(tmp_path, FLOW_RULE, "f.yml"), load_one(tmp_path, ACCESS_RULE, "a.yml")]
    )
    assert res.problems == ()
    flow, access = res.rules
    assert all(r.passed for r in run_rule_tests(flow))
    results = run_rule_tests(access)
    assert [r.passed for r in results] == [True, True, True, True, False]
    assert results[-1].engine == "-" and "not valid" in results[-1].message


def test_missing_tests_names_the_missing_side(tmp_path: Path) -> None:
    text = CLOUDTRAIL_RULE.split("  - name: once")[0]
    (rule,) = load_native([load_one(tmp_path, text)]).rules
    assert missing_tests(rule) == "needs a no_alert test"


def test_cli_passes_on_the_builtin_pack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "test"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "0 failed" in err


def test_cli_reports_each_failure_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = load_one(tmp_path, CLOUDTRAIL_RULE)
    assert main(["detect", "test", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{path}:16: cw-stop-logging: 'wrong on purpose' [stream]: FAIL: expected alerts: 2, got 1 alert",
        f"{path}:16: cw-stop-logging: 'wrong on purpose' [batch]: FAIL: expected alerts: 2, got 1 alert",
    ]
    assert "1 rule(s), 3 test(s) on stream and batch: 2 passed, 1 failed" in err
    assert main(["detect", "test", "--engine", "stream", str(path)]) == 1
    assert capsys.readouterr().out.count("FAIL") == 1


def test_cli_exits_2_on_a_bad_rule_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_one(tmp_path, CLOUDTRAIL_RULE.replace("severity: high", "severity: dire"))
    assert main(["detect", "test", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "rule.yml:3: invalid: severity 'dire'" in err
    assert "Traceback" not in err
