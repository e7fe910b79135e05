"""events_securityhub_findings_routed: imported Security Hub findings reach a target."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

SCOPE = f"arn:aws:events:{REGION}:{ACCOUNT}:account"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:secops"


def rule(pattern: dict[str, Any], state: str = "ENABLED") -> Any:
    arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/sh"
    data = {
        "Name": "sh",
        "State": state,
        "EventPattern": pattern,
        "Targets": [{"Id": "1", "Arn": TOPIC}],
    }
    return make_resource("AWS::Events::Rule", arn, data)


@pytest.mark.parametrize(
    ("pattern", "state", "status"),
    [
        ({"source": ["aws.securityhub"]}, "ENABLED", Status.PASS),
        (
            {
                "source": ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                "detail": {"findings": {"Severity": {"Label": ["CRITICAL", "HIGH"]}}},
            },
            "ENABLED",
            Status.PASS,
        ),
        (
            {
                "source": ["aws.securityhub"],
                "detail": {"findings": {"Severity": {"Label": ["LOW"]}}},
            },
            "ENABLED",
            Status.FAIL,
        ),
        ({"detail-type": ["Security Hub Findings - Custom Action"]}, "ENABLED", Status.FAIL),
        ({"source": ["aws.securityhub"]}, "DISABLED", Status.FAIL),
    ],
    ids=["any-finding", "high-and-critical", "low-only", "custom-action-only", "disabled"],
)
def test_securityhub_routing(pattern: dict[str, Any], state: str, status: Status) -> None:
    [finding] = findings_for(
        make_snapshot([rule(pattern, state)]), "events_securityhub_findings_routed"
    )
    assert (finding.resource_arn, finding.status) == (SCOPE, status)


def test_region_without_rules_fails_with_the_reason() -> None:
    [finding] = findings_for(make_snapshot([]), "events_securityhub_findings_routed")
    assert finding.status is Status.FAIL
    assert finding.status_reason == (
        f"no enabled rule on the default event bus matches Security Hub findings in {REGION}"
    )
