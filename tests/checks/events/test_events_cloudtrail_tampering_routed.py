"""events_cloudtrail_tampering_routed: StopLogging and DeleteTrail calls start a response."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL = make_resource(
    "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main", {"Name": "main"}
)
API_CALL = {"source": ["aws.cloudtrail"], "detail-type": ["AWS API Call via CloudTrail"]}


def rule(pattern: dict[str, Any], region: str = "us-east-1") -> Any:
    arn = f"arn:aws:events:{region}:{ACCOUNT}:rule/ct"
    data = {
        "Name": "ct",
        "State": "ENABLED",
        "EventPattern": pattern,
        "Targets": [{"Id": "q", "Arn": f"arn:aws:sqs:{region}:{ACCOUNT}:ir"}],
    }
    return make_resource("AWS::Events::Rule", arn, data, region=region)


@pytest.mark.parametrize(
    ("pattern", "status", "reason"),
    [
        (
            {**API_CALL, "detail": {"eventName": ["StopLogging", "DeleteTrail", "UpdateTrail"]}},
            Status.PASS,
            "routes CloudTrail StopLogging/DeleteTrail calls",
        ),
        (
            {**API_CALL, "detail": {"eventSource": ["cloudtrail.amazonaws.com"]}},
            Status.PASS,
            "routes",
        ),
        (
            {**API_CALL, "detail": {"eventName": ["StopLogging"]}},
            Status.FAIL,
            "no enabled rule on the default event bus matches CloudTrail StopLogging/DeleteTrail",
        ),
        ({"source": ["aws.guardduty"]}, Status.FAIL, "no enabled rule"),
    ],
    ids=["named-calls", "all-cloudtrail-calls", "stop-only", "unrelated"],
)
def test_home_region_of_a_trail(pattern: dict[str, Any], status: Status, reason: str) -> None:
    snap = make_snapshot([TRAIL, rule(pattern)], regions=("us-east-1", "eu-west-1"))
    [finding] = findings_for(snap, "events_cloudtrail_tampering_routed")
    assert (finding.resource_arn, finding.status) == (
        f"arn:aws:events:us-east-1:{ACCOUNT}:account",
        status,
    )
    assert reason in finding.status_reason


def test_region_without_trails_has_nothing_to_route() -> None:
    snap = make_snapshot([rule({"source": ["aws.ec2"]}, "eu-west-1")], regions=("eu-west-1",))
    assert findings_for(snap, "events_cloudtrail_tampering_routed") == []
