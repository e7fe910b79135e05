"""EventBridge pattern matching as the routing checks use it, one documented rule per row."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.checks.builtin.events._patterns import matches

FINDING = {
    "source": "aws.guardduty",
    "detail-type": "GuardDuty Finding",
    "detail": {
        "severity": 8,
        "type": "Recon:EC2/PortProbeUnprotectedPort",
        "resource": [{"id": "i-1"}],
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.guardduty"]}, True),
        ({"source": ["aws.securityhub", "aws.guardduty"]}, True),
        ({"source": ["aws.ec2"]}, False),
        ({"source": [{"prefix": "aws."}]}, True),
        ({"source": [{"prefix": {"equals-ignore-case": "AWS.GUARD"}}]}, True),
        ({"source": [{"suffix": "duty"}]}, True),
        ({"source": [{"equals-ignore-case": "AWS.GuardDuty"}]}, True),
        ({"source": [{"wildcard": "aws.*duty"}]}, True),
        ({"source": [{"anything-but": "aws.guardduty"}]}, False),
        ({"source": [{"anything-but": ["aws.ec2", "aws.s3"]}]}, True),
        ({"source": [{"anything-but": {"prefix": "aws."}}]}, False),
        ({"detail": {"severity": [{"numeric": [">=", 7]}]}}, True),
        ({"detail": {"severity": [{"numeric": [">", 0, "<", 4]}]}}, False),
        ({"detail": {"severity": [8.0]}}, True),
        ({"detail": {"severity": [{"exists": False}]}}, False),
        ({"detail": {"resource": {"id": ["i-1"]}}}, True),
        ({"detail": {"resource": {"id": ["i-2"]}}}, False),
        ({"detail": {"service": {"action": ["PORT_PROBE"]}}}, True),
        ({"$or": [{"source": ["aws.ec2"]}, {"detail-type": ["GuardDuty Finding"]}]}, True),
        ({"$or": [{"source": ["aws.ec2"]}, {"detail-type": ["Other"]}]}, False),
        ({"source": ["aws.guardduty"], "detail-type": ["Something else"]}, False),
    ],
)
def test_pattern_against_a_guardduty_finding(pattern: dict[str, Any], expected: bool) -> None:
    """Keys the sample lacks (``detail.service``) are assumed satisfiable: "routes some findings"."""
    assert matches(pattern, FINDING) is expected


def test_boolean_and_number_literals_do_not_mix() -> None:
    assert matches({"flag": [True]}, {"flag": True})
    assert not matches({"flag": [1]}, {"flag": True})
