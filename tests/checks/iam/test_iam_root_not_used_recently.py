"""Root usage comes from the credential report's <root_account> row, aged against the snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_root_not_used_recently"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def root_row(**fields: str) -> dict[str, str]:
    row = {
        "user": "<root_account>",
        "arn": ROOT,
        "password_last_used": "no_information",
        "access_key_1_last_used_date": "N/A",
        "access_key_2_last_used_date": "N/A",
    }
    return {**row, **fields}


def run(rows: list[dict[str, Any]]) -> list[Any]:
    report = make_resource(
        "AWS::IAM::CredentialReport",
        f"arn:aws:iam::{ACCOUNT}:credential-report",
        {"rows": rows},
        region="global",
    )
    snap = make_snapshot([report]).model_copy(update={"created_at": NOW})
    return findings_for(snap, CHECK)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, Status.PASS),  # never used
        ({"password_last_used": ago(200)}, Status.PASS),
        ({"password_last_used": ago(10)}, Status.FAIL),
        ({"access_key_2_last_used_date": ago(90)}, Status.FAIL),  # the 90th day still counts
        ({"password_last_used": ago(400), "access_key_1_last_used_date": ago(3)}, Status.FAIL),
    ],
)
def test_root_use_within_90_days_fails(fields: dict[str, str], status: Status) -> None:
    [finding] = run([root_row(**fields)])
    assert finding.status is status
    assert finding.resource_arn == ROOT


def test_reason_names_the_credential_and_date() -> None:
    [finding] = run([root_row(access_key_1_last_used_date=ago(3))])
    assert "access key 1" in finding.status_reason
    assert "3 days before the scan" in finding.status_reason


def test_report_without_root_row_is_not_assessed() -> None:
    [finding] = run([{"user": "alice", "password_last_used": ago(1)}])
    assert finding.status is Status.NOT_ASSESSED
    assert "<root_account>" in finding.status_reason
