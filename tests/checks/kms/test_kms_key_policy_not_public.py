"""kms_key_policy_not_public: Principal "*" must be pinned by a condition."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "kms_key_policy_not_public"
ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def everyone(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Sid": "Everyone",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
    }
    if condition:
        stmt["Condition"] = condition
    return stmt


def key(*stmts: dict[str, Any], manager: str = "CUSTOMER", **extra: Any) -> Any:
    data = {
        "KeyMetadata": {"KeyManager": manager, "KeyState": "Enabled"},
        "Policy": {"Version": "2012-10-17", "Statement": list(stmts)},
        **extra,
    }
    return make_resource("AWS::KMS::Key", ARN, data)


@pytest.mark.parametrize(
    ("stmts", "status"),
    [
        ([ROOT], Status.PASS),
        ([ROOT, everyone()], Status.FAIL),
        (
            [ROOT, everyone({"StringEquals": {"kms:CallerAccount": "123456789012"}})],
            Status.PASS,
        ),
        ([ROOT, everyone({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})], Status.PASS),
        (
            [ROOT, everyone({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})],
            Status.FAIL,
        ),
    ],
    ids=["default-policy", "public", "caller-account", "org", "via-service-only"],
)
def test_key_policies(stmts: list[dict[str, Any]], status: Status) -> None:
    [finding] = findings_for(make_snapshot([key(*stmts)]), CHECK)
    assert finding.status is status, finding.status_reason


def test_reason_names_the_statement() -> None:
    [finding] = findings_for(make_snapshot([key(ROOT, everyone())]), CHECK)
    assert "statement 'Everyone' allows kms:Decrypt, kms:DescribeKey" in finding.status_reason


def test_aws_managed_keys_are_skipped() -> None:
    assert findings_for(make_snapshot([key(everyone(), manager="AWS")]), CHECK) == []


def test_unreadable_policy_is_not_assessed() -> None:
    data = {
        "KeyMetadata": {"KeyManager": "CUSTOMER", "KeyState": "Enabled"},
        "Policy": None,
        "_errors": {"Policy": "kms:get_key_policy: AccessDeniedException: no"},
    }
    broken = make_resource("AWS::KMS::Key", ARN, data)
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert "AccessDeniedException" in finding.status_reason
