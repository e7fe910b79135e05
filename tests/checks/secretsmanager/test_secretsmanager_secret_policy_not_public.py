"""secretsmanager_secret_policy_not_public: resource policies must not let everyone in."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "secretsmanager_secret_policy_not_public"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cw-db-AbCdEf"


def read_by(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [stmt]}


def secret(policy: dict[str, Any] | None, **extra: Any) -> Any:
    data = {"Name": "cw-db", "ResourcePolicy": policy, **extra}
    return make_resource("AWS::SecretsManager::Secret", ARN, data, name="cw-db")


@pytest.mark.parametrize(
    ("policy", "status", "reason_part"),
    [
        (None, Status.PASS, "has no resource policy"),
        (read_by({"AWS": "arn:aws:iam::111122223333:role/app"}), Status.PASS, "is public"),
        (read_by("*"), Status.FAIL, "statement #1 allows secretsmanager:GetSecretValue"),
        (
            read_by("*", {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}),
            Status.PASS,
            "is public",
        ),
    ],
    ids=["none", "named-role", "everyone", "pinned-account"],
)
def test_secret_policies(policy: dict[str, Any] | None, status: Status, reason_part: str) -> None:
    [finding] = findings_for(make_snapshot([secret(policy)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_policy_is_not_assessed() -> None:
    broken = secret(None, _errors={"ResourcePolicy": "AccessDeniedException: no"})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
