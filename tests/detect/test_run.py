"""``run_detection``: alerts per (rule, event) hit, both engines alike, Findings from alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.detect.rules import Match, Not, Rule, builtin_sigma_rules
from cloudwarden.detect.rules.ir import CONTEXT_FIELDS
from cloudwarden.detect.run import (
    Alert,
    alerts_to_findings,
    rule_fields,
    rule_kinds,
    run_detection,
    severity_of,
)
from cloudwarden.detect.sources import SourceError
from cloudwarden.model import Area, FindingSource, Severity, Status

STOP_LOGGING_RULE = "4db60cc0-36fb-42b7-9b58-a5b53019fb74"  # AWS CloudTrail Important Change
NO_MFA_RULE = "77caf516-34e5-4df9-b4db-20744fea0a60"  # Successful Console Login Without MFA

ACCOUNT = "111122223333"


def _ident(user: str) -> dict[str, str]:
    return {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
        "accountId": ACCOUNT,
        "userName": user,
    }


def _record(
    event_id: str, minute: int, source: str, name: str, **extra: object
) -> dict[str, object]:
    return {
        "eventVersion": "1.08",
        "eventID": event_id,
        "eventTime": f"2026-11-01T10:{minute:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": extra.pop("region", "eu-west-1"),
        "sourceIPAddress": "203.0.113.5",
        "recipientAccountId": ACCOUNT,
        "userIdentity": _ident(str(extra.pop("user", "bob"))),
        **extra,
    }


def write_trail(folder: Path) -> Path:
    """StopLogging, a ConsoleLogin without MFA, benign events and one broken line."""
    records = [
        _record("e-benign-get", 0, "s3.amazonaws.com", "GetObject"),
        _record(
            "e-stop",
            1,
            "cloudtrail.amazonaws.com",
            "StopLogging",
            user="mallory",
            requestParameters={"name": "main"},
        ),
        _record(
            "e-login",
            2,
            "signin.amazonaws.com",
            "ConsoleLogin",
            region="us-east-1",
            responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No"},
        ),
        _record(
            "e-login-mfa",
            3,
            "signin.amazonaws.com",
            "ConsoleLogin",
            region="us-east-1",
            user="alice",
            responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "Yes"},
        ),
        _record("e-benign-list", 4, "ec2.amazonaws.com", "DescribeInstances"),
    ]
    path = folder / "trail.jsonl"
    lines = [json.dumps(r) for r in records] + ["this is not json"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def builtin() -> tuple[Rule, ...]:
    return builtin_sigma_rules().rules


@pytest.mark.parametrize("engine", ["stream", "batch"])
def test_alerts_for_stoplogging_and_console_login_without_mfa(
    tmp_path: Path, builtin: tuple[Rule, ...], engine: str
) -> None:
    trail = write_trail(tmp_path)
    result = run_detection([str(trail)], builtin, engine=engine)  # type: ignore[arg-type]
    hits = [(a.rule_id, a.event_id) for a in result.alerts]
    assert hits == [(STOP_LOGGING_RULE, "e-stop"), (NO_MFA_RULE, "e-login")]
    assert result.stats.total_events == 5
    assert result.stats.unparseable == 1
    stop, login = result.alerts
    assert stop.account == ACCOUNT and stop.region == "eu-west-1"
    assert login.region == "us-east-1"
    assert stop.event_time.isoformat() == "2026-11-01T10:01:00+00:00"
    assert login.severity is Severity.MEDIUM
    assert login.attack == ("T1078.004",)
    assert stop.author and stop.license == "DRL-1.1"
    assert "https://github.com/SigmaHQ/sigma" in stop.rule_source
    assert result.by_rule() == {STOP_LOGGING_RULE: 1, NO_MFA_RULE: 1}


def test_both_engines_produce_the_same_alerts(tmp_path: Path, builtin: tuple[Rule, ...]) -> None:
    trail = write_trail(tmp_path)
    stream = run_detection([str(trail), str(tmp_path)], builtin, engine="stream")
    batch = run_detection([str(trail), str(tmp_path)], builtin, engine="batch")
    assert [a.to_dict() for a in stream.alerts] == [a.to_dict() for a in batch.alerts]
    # the file given directly and again through its folder is read once
    assert len(stream.alerts) == 2
    assert [p.reason for p in stream.stats.skipped] == ["already read from an earlier source"]
    assert stream.stats.skipped == batch.stats.skipped


def test_alert_record_is_json_with_attribution(tmp_path: Path, builtin: tuple[Rule, ...]) -> None:
    trail = write_trail(tmp_path)
    alert = run_detection([str(trail)], builtin).alerts[0]
    record = json.loads(json.dumps(alert.to_dict()))
    assert set(record) >= {
        "rule_id",
        "title",
        "severity",
        "attack",
        "event_id",
        "event_time",
        "account",
        "region",
        "author",
        "rule_source",
        "license",
        "rule_set_url",
    }
    assert record["event_id"] == "e-stop"
    assert record["severity"] == "medium"
    assert record["author"] == alert.author != ""
    assert record["rule_set_url"] == "https://github.com/SigmaHQ/sigma"


def test_findings_from_alerts(tmp_path: Path, builtin: tuple[Rule, ...]) -> None:
    trail = write_trail(tmp_path)
    copy = tmp_path / "copy" / trail.name  # the same events delivered twice, in two files
    copy.parent.mkdir()
    copy.write_bytes(trail.read_bytes())
    alerts = run_detection([str(trail), str(copy)], builtin).alerts
    findings = alerts_to_findings(alerts)
    assert len(findings) == 2  # grouped per rule, account and region
    by_rule = {f.source_id: f for f in findings}
    stop = by_rule[STOP_LOGGING_RULE]
    assert stop.source is FindingSource.RULE
    assert stop.status is Status.FAIL
    assert stop.area is Area.DETECTION
    assert stop.evidence["event_ids"] == ["e-stop", "e-stop"]
    assert stop.evidence["author"]
    assert stop.account == ACCOUNT and stop.region == "eu-west-1"
    assert alerts_to_findings(alerts)[0].id == findings[0].id  # stable across runs


def test_missing_source_raises(builtin: tuple[Rule, ...], tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        run_detection([str(tmp_path / "nope")], builtin)


def test_unknown_engine_rejected(builtin: tuple[Rule, ...]) -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        run_detection([], builtin, engine="spark")  # type: ignore[arg-type]


def test_cloudtrail_rules_do_not_run_on_flow_logs(tmp_path: Path) -> None:
    flow = tmp_path / "flow.log"
    flow.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
        "start end action log-status\n"
        "2 111122223333 eni-1 10.0.0.1 198.51.100.7 44444 3333 6 10 840 1700000000 1700000060 "
        "ACCEPT OK\n"
    )
    only_not = Rule(
        id="ct-not",
        title="not a GetObject",
        detection=Not(Match("eventName", "equals", ("GetObject",))),
        service="cloudtrail",
    )
    any_kind = Rule(id="any", title="port 3333", detection=Match("dstport", "equals", (3333,)))
    for engine in ("stream", "batch"):
        result = run_detection([str(flow)], [only_not, any_kind], engine=engine)
        assert [(a.rule_id, a.event_kind, a.account) for a in result.alerts] == [
            ("any", "vpcflow", ACCOUNT)
        ]


def test_rule_metadata_helpers() -> None:
    rule = Rule(
        id="r",
        title="t",
        detection=Not(Match("a.b", "fieldref", ("c",))),
        level="critical",
        service="cloudtrail",
    )
    assert rule_fields(rule) == ("a.b", "c")
    assert rule_kinds(rule) == frozenset({"cloudtrail"})
    assert rule_kinds(Rule(id="x", title="x", detection=rule.detection)) is None
    assert severity_of("critical") is Severity.CRITICAL
    assert severity_of("informational") is Severity.INFORMATIONAL
    assert severity_of("bogus") is Severity.MEDIUM


ALERT_KEYS = {
    "alert_id",
    "context",
    "rule_id",
    "title",
    "description",
    "severity",
    "attack",
    "tags",
    "event_id",
    "event_ids",
    "event_kind",
    "event_time",
    "first_time",
    "last_time",
    "account",
    "region",
    "count",
    "group",
    "dedup_key",
    "suppressed",
    "runbook",
    "playbook",
    "rule_origin",
    "author",
    "rule_source",
    "license",
    "rule_set_url",
}


def _failed_logins(folder: Path, n: int) -> Path:
    records = [
        _record(
            f"e-fail-{i}",
            i,
            "signin.amazonaws.com",
            "ConsoleLogin",
            responseElements={"ConsoleLogin": "Failure"},
        )
        for i in range(n)
    ]
    path = folder / "logins.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


BRUTE_FORCE = """\
id: brute-force
title: Repeated console sign-in failures from one address
severity: high
logsource: cloudtrail
detection:
  selection: {eventName: ConsoleLogin, responseElements.ConsoleLogin: Failure}
  condition: selection
threshold: count >= 5 by sourceIPAddress within 10m
dedup: {by: [sourceIPAddress], suppress: 1h}
runbook: Who owns the address?
playbook: compromised-credentials
"""


def test_native_threshold_rule_through_run_detection(tmp_path: Path) -> None:
    from cloudwarden.detect.rules import load_native

    (tmp_path / "rule.yml").write_text(BRUTE_FORCE)
    loaded = load_native([tmp_path / "rule.yml"])
    assert loaded.problems == ()
    rules = loaded.rules
    trail = _failed_logins(tmp_path, 12)  # one a minute: 10 in a 10-minute window at most
    results = {e: run_detection([str(trail)], rules, engine=e) for e in ("stream", "batch")}
    stream, batch = (results[e].alerts for e in ("stream", "batch"))
    assert [a.to_dict() for a in stream] == [a.to_dict() for a in batch]
    (alert,) = stream  # the second crossing (events 5-9) is suppressed for an hour
    assert alert.event_ids == tuple(f"e-fail-{i}" for i in range(5))
    assert alert.suppressed == 1 and alert.count == 5
    assert alert.group == {"sourceIPAddress": "203.0.113.5"}
    assert alert.dedup_key == "sourceIPAddress=203.0.113.5"
    assert alert.playbook == "compromised-credentials"
    assert alert.runbook == "Who owns the address?"
    # a rule that suggests a playbook carries the triggering event's context fields (the
    # same on both engines: the batch path selects them in SQL), for the playbook's params
    assert alert.context["sourceIPAddress"] == "203.0.113.5"
    assert set(alert.context) <= set(CONTEXT_FIELDS)
    record = json.loads(json.dumps(alert.to_dict()))
    assert set(record) == ALERT_KEYS
    assert Alert.from_dict(record).context == alert.context
    assert record["rule_origin"] == "native" and record["rule_set_url"] == ""
    assert record["first_time"] == "2026-11-01T10:00:00+00:00"
    assert record["last_time"] == "2026-11-01T10:04:00+00:00"

    (finding,) = alerts_to_findings(stream)
    assert finding.evidence["event_ids"] == list(alert.event_ids)
    assert finding.evidence["alert_ids"] == [alert.alert_id]
    assert finding.evidence["playbook"] == "compromised-credentials"
    assert finding.evidence["runbook"] == alert.runbook
    assert finding.evidence["suppressed"] == 1
    assert finding.status_reason == "5 matching events"


def test_sigma_alerts_have_every_key(tmp_path: Path, builtin: tuple[Rule, ...]) -> None:
    trail = write_trail(tmp_path)
    alert = run_detection([str(trail)], builtin).alerts[0]
    d = alert.to_dict()
    assert set(d) == ALERT_KEYS
    assert d["event_ids"] == ["e-stop"] and d["count"] == 1 and d["group"] == {}
    assert d["first_time"] == d["last_time"] == d["event_time"]
