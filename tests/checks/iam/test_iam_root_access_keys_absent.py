"""Root access keys are read from the account summary's AccountAccessKeysPresent flag."""

from __future__ import annotations

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_root_access_keys_absent"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def summary(entries: dict[str, int]) -> Resource:
    return make_resource("AWS::IAM::AccountSummary", ROOT, {"SummaryMap": entries}, region="global")


@pytest.mark.parametrize(
    ("entries", "status", "evidence"),
    [
        ({"AccountAccessKeysPresent": 0}, Status.PASS, "AccountAccessKeysPresent=0"),
        ({"AccountAccessKeysPresent": 1}, Status.FAIL, "AccountAccessKeysPresent=1"),
        ({}, Status.NOT_ASSESSED, "no AccountAccessKeysPresent entry"),
    ],
)
def test_root_access_key_flag(entries: dict[str, int], status: Status, evidence: str) -> None:
    [finding] = findings_for(make_snapshot([summary(entries)]), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn == ROOT
