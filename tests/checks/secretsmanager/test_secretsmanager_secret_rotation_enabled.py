"""secretsmanager_secret_rotation_enabled: RotationEnabled from ListSecrets."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "secretsmanager_secret_rotation_enabled"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cw-db-AbCdEf"


@pytest.mark.parametrize(
    ("data", "status", "reason_part"),
    [
        (
            {"RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 30}},
            Status.PASS,
            "rotates automatically (every 30 days)",
        ),
        (
            {"RotationEnabled": True, "RotationRules": {"ScheduleExpression": "rate(7 days)"}},
            Status.PASS,
            "(rate(7 days))",
        ),
        ({"RotationEnabled": False}, Status.FAIL, "no automatic rotation"),
        ({}, Status.FAIL, "no automatic rotation"),
    ],
    ids=["days", "schedule", "disabled", "never-configured"],
)
def test_rotation(data: dict[str, Any], status: Status, reason_part: str) -> None:
    secret = make_resource(
        "AWS::SecretsManager::Secret", ARN, {"Name": "cw-db", **data}, name="cw-db"
    )
    [finding] = findings_for(make_snapshot([secret]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
