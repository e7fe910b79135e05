"""CIS 2.8 and 2.9 together: length >= 14 and reuse prevention >= 24; no policy fails."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

CHECK = "iam_password_policy_strong"
ARN = f"arn:aws:iam::{ACCOUNT}:account"


@pytest.mark.parametrize(
    ("policy", "status", "evidence"),
    [
        (
            {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24},
            Status.PASS,
            "14 characters",
        ),
        ({"MinimumPasswordLength": 20, "PasswordReusePrevention": 24}, Status.PASS, "last 24"),
        (
            {"MinimumPasswordLength": 8, "PasswordReusePrevention": 24},
            Status.FAIL,
            "MinimumPasswordLength is 8",
        ),
        ({"MinimumPasswordLength": 14}, Status.FAIL, "PasswordReusePrevention is not set"),
        ({"MinimumPasswordLength": 14, "PasswordReusePrevention": 5}, Status.FAIL, "is 5 (< 24)"),
        (None, Status.FAIL, "no password policy"),  # NoSuchEntity: IAM defaults apply
    ],
)
def test_password_policy(policy: dict[str, Any] | None, status: Status, evidence: str) -> None:
    resource = make_resource(
        "AWS::IAM::PasswordPolicy", ARN, {"PasswordPolicy": policy}, region="global"
    )
    [finding] = findings_for(make_snapshot([resource]), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn == ARN


def test_unreadable_policy_is_not_assessed() -> None:
    snap = make_snapshot(errors=[collection_error("AWS::IAM::PasswordPolicy")])
    [finding] = findings_for(snap, CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert finding.resource_arn == ARN
