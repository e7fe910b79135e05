"""cloudwatch_alarm_actions_configured: an alarm must reach someone when it fires."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:root-usage"
OPS = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops"
VOID = f"arn:aws:sns:{REGION}:{ACCOUNT}:void"
PENDING = f"arn:aws:sns:{REGION}:{ACCOUNT}:pending"
ELSEWHERE = "arn:aws:sns:us-east-1:444455556666:central-alerts"


def topic(arn: str, subscription_arns: list[str]) -> Any:
    subs = [{"SubscriptionArn": s, "Protocol": "email", "TopicArn": arn} for s in subscription_arns]
    return make_resource("AWS::SNS::Topic", arn, {"TopicArn": arn, "Subscriptions": subs})


TOPICS = [
    topic(OPS, [f"{OPS}:8a21d249-4329-4871-acc6-7be709c6ea7f"]),
    topic(VOID, []),
    topic(PENDING, ["PendingConfirmation"]),
]


@pytest.mark.parametrize(
    ("alarm", "status", "reason"),
    [
        ({"AlarmActions": [OPS]}, Status.PASS, f"notifies {OPS}, which has a subscriber"),
        ({"AlarmActions": [VOID, OPS]}, Status.PASS, "which has a subscriber"),
        (
            {"AlarmActions": ["arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"]},
            Status.PASS,
            "triggers action",
        ),
        ({"AlarmActions": []}, Status.FAIL, "alarm root-usage has no ALARM action"),
        ({"AlarmActions": [OPS], "ActionsEnabled": False}, Status.FAIL, "ActionsEnabled false"),
        (
            {"AlarmActions": [VOID]},
            Status.FAIL,
            f"notifies {VOID}, which has no confirmed subscription",
        ),
        ({"AlarmActions": [PENDING]}, Status.FAIL, "no confirmed subscription"),
        ({"AlarmActions": [ELSEWHERE]}, Status.NOT_ASSESSED, "not in the snapshot"),
    ],
    ids=[
        "confirmed-subscriber",
        "one-good-topic-is-enough",
        "non-sns-action",
        "no-actions",
        "actions-disabled",
        "topic-without-subscribers",
        "pending-confirmation",
        "topic-in-another-account",
    ],
)
def test_alarm_actions(alarm: dict[str, Any], status: Status, reason: str) -> None:
    data = {"AlarmName": "root-usage", "ActionsEnabled": True, **alarm}
    snap = make_snapshot([make_resource("AWS::CloudWatch::Alarm", ALARM_ARN, data), *TOPICS])
    [finding] = findings_for(snap, "cloudwatch_alarm_actions_configured")
    assert (finding.resource_arn, finding.status) == (ALARM_ARN, status)
    assert reason in finding.status_reason
