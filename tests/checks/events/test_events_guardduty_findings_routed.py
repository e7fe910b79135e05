"""events_guardduty_findings_routed: per region, an enabled default-bus rule with a target."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

RULE = "AWS::Events::Rule"
SCOPE = f"arn:aws:events:{REGION}:{ACCOUNT}:account"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:responder"
GD = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}


def rule(name: str, pattern: dict[str, Any] | None, **data: Any) -> Any:
    arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"
    body = {
        "Name": name,
        "State": "ENABLED",
        "EventBusName": "default",
        "Targets": [{"Id": "1", "Arn": QUEUE}],
    }
    if pattern is not None:
        body["EventPattern"] = pattern
    return make_resource(RULE, arn, {**body, **data})


@pytest.mark.parametrize(
    ("rules", "status", "reason"),
    [
        ([rule("gd", GD)], Status.PASS, f"rule gd routes GuardDuty findings to {QUEUE}"),
        (
            [
                rule(
                    "high",
                    {"source": ["aws.guardduty"], "detail": {"severity": [{"numeric": [">=", 7]}]}},
                )
            ],
            Status.PASS,
            "rule high routes",
        ),
        ([], Status.FAIL, "no enabled rule on the default event bus matches GuardDuty findings"),
        ([rule("ec2", {"source": ["aws.ec2"]})], Status.FAIL, "no enabled rule"),
        ([rule("gd", GD, State="DISABLED")], Status.FAIL, "but is DISABLED"),
        ([rule("gd", GD, Targets=[])], Status.FAIL, "but has no target"),
        ([rule("gd", GD, EventBusName="security")], Status.FAIL, "no enabled rule"),
        (
            [rule("tick", None, ScheduleExpression="rate(5 minutes)")],
            Status.FAIL,
            "no enabled rule",
        ),
        (
            [
                rule(
                    "gd",
                    GD,
                    Targets=None,
                    _errors={"Targets": "events:ListTargetsByRule: AccessDenied"},
                )
            ],
            Status.NOT_ASSESSED,
            "targets of rule gd unknown",
        ),
    ],
    ids=[
        "routed",
        "high-severity-only",
        "no-rules",
        "other-source",
        "disabled",
        "no-target",
        "custom-bus",
        "schedule-rule",
        "targets-unreadable",
    ],
)
def test_guardduty_routing(rules: list[Any], status: Status, reason: str) -> None:
    [finding] = findings_for(make_snapshot(rules), "events_guardduty_findings_routed")
    assert (finding.resource_arn, finding.status) == (SCOPE, status)
    assert reason in finding.status_reason
