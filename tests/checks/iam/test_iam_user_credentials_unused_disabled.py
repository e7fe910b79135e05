"""CIS 2.11 on credential-report rows: enabled credentials idle for 45+ days fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_user_credentials_unused_disabled"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def row(**fields: str) -> dict[str, str]:
    base = {
        "user": "bob",
        "user_creation_time": ago(500),
        "password_enabled": "false",
        "password_last_used": "N/A",
        "password_last_changed": "N/A",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": "N/A",
        "access_key_1_last_used_date": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
    }
    return {**base, **fields}


def judge(data: dict[str, Any]) -> Any:
    arn = f"arn:aws:iam::{ACCOUNT}:user/bob"
    user = make_resource(
        "AWS::IAM::User", arn, {"UserName": "bob", **data}, region="global", name="bob"
    )
    snap = make_snapshot([user]).model_copy(update={"created_at": NOW})
    [finding] = findings_for(snap, CHECK)
    return finding


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, Status.PASS),  # no password, no active keys
        ({"password_enabled": "true", "password_last_used": ago(3)}, Status.PASS),
        ({"password_enabled": "true", "password_last_used": ago(45)}, Status.FAIL),
        # never used: idle since the password was set
        (
            {
                "password_enabled": "true",
                "password_last_used": "no_information",
                "password_last_changed": ago(60),
            },
            Status.FAIL,
        ),
        (
            {
                "password_enabled": "true",
                "password_last_used": "no_information",
                "password_last_changed": ago(2),
            },
            Status.PASS,
        ),
        ({"access_key_1_active": "true", "access_key_1_last_used_date": ago(100)}, Status.FAIL),
        (
            {"access_key_2_active": "true", "access_key_2_last_rotated": ago(50)},
            Status.FAIL,
        ),  # never used
        (
            {"access_key_1_active": "false", "access_key_1_last_used_date": ago(300)},
            Status.PASS,
        ),  # disabled
    ],
)
def test_idle_credentials(fields: dict[str, str], status: Status) -> None:
    assert judge({"CredentialReport": row(**fields)}).status is status


def test_reason_lists_each_idle_credential() -> None:
    fields = {
        "password_enabled": "true",
        "password_last_used": ago(80),
        "access_key_1_active": "true",
        "access_key_1_last_used_date": ago(46),
    }
    reason = judge({"CredentialReport": row(**fields)}).status_reason
    assert "console password idle 80 days" in reason
    assert "access key 1 idle 46 days" in reason


def test_user_missing_from_report_is_not_assessed() -> None:
    finding = judge(
        {
            "CredentialReport": None,
            "_errors": {"CredentialReport": "iam:GetCredentialReport: ReportNotPresent"},
        }
    )
    assert finding.status is Status.NOT_ASSESSED
    assert "ReportNotPresent" in finding.status_reason
