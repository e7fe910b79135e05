"""Root MFA is read from the account summary's AccountMFAEnabled flag."""

from __future__ import annotations

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

CHECK = "iam_root_mfa_enabled"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def summary(**entries: int) -> list[Resource]:
    return [
        make_resource("AWS::IAM::AccountSummary", ROOT, {"SummaryMap": entries}, region="global")
    ]


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        ({"AccountMFAEnabled": 1}, Status.PASS),
        ({"AccountMFAEnabled": 0}, Status.FAIL),
        ({"Users": 3}, Status.NOT_ASSESSED),  # the flag is missing: nothing to judge
    ],
)
def test_root_mfa_flag(entries: dict[str, int], status: Status) -> None:
    [finding] = findings_for(make_snapshot(summary(**entries)), CHECK)
    assert finding.status is status
    assert finding.resource_arn == ROOT


def test_failure_names_the_evidence() -> None:
    [finding] = findings_for(make_snapshot(summary(AccountMFAEnabled=0)), CHECK)
    assert "AccountMFAEnabled=0" in finding.status_reason


def test_summary_not_collected_is_not_assessed() -> None:
    snap = make_snapshot(errors=[collection_error("AWS::IAM::AccountSummary")])
    [finding] = findings_for(snap, CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert "AccessDenied" in finding.status_reason
