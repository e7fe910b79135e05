"""s3_account_public_access_blocked: all four account-level settings must be on."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "s3_account_public_access_blocked"
ARN = f"arn:aws:s3::{ACCOUNT}:account"
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def account_block(data: dict[str, Any]) -> Any:
    return make_resource("AWS::S3::AccountPublicAccessBlock", ARN, data, region="global")


@pytest.mark.parametrize(
    ("data", "status", "reason_part"),
    [
        ({"PublicAccessBlockConfiguration": ALL_ON}, Status.PASS, "all four"),
        ({"PublicAccessBlockConfiguration": None}, Status.FAIL, "never configured"),
        (
            {"PublicAccessBlockConfiguration": {**ALL_ON, "RestrictPublicBuckets": False}},
            Status.FAIL,
            "RestrictPublicBuckets",
        ),
        (
            {
                "PublicAccessBlockConfiguration": None,
                "_errors": {"PublicAccessBlockConfiguration": "AccessDenied: not authorized"},
            },
            Status.NOT_ASSESSED,
            "AccessDenied",
        ),
    ],
    ids=["all-on", "never-configured", "one-off", "unreadable"],
)
def test_account_block(data: dict[str, Any], status: Status, reason_part: str) -> None:
    snap = make_snapshot([account_block(data)], regions=("us-east-1", "eu-west-1"))
    [finding] = findings_for(snap, CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
    assert finding.resource_arn == ARN
    assert finding.region == "global"
