"""s3_bucket_public_access_blocked: bucket settings, account settings, or both together."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_public_access_blocked"
SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
ALL_ON = dict.fromkeys(SETTINGS, True)


def only(*on: str) -> dict[str, bool]:
    return {s: s in on for s in SETTINGS}


def bucket(bpa: dict[str, bool] | None, **extra: Any) -> Any:
    data = {"Name": "cw-bucket", "Region": "us-east-1", "PublicAccessBlock": bpa, **extra}
    return make_resource("AWS::S3::Bucket", "arn:aws:s3:::cw-bucket", data, region="global")


def account(config: dict[str, bool] | None, **extra: Any) -> Any:
    data = {"PublicAccessBlockConfiguration": config, **extra}
    arn = f"arn:aws:s3::{ACCOUNT}:account"
    return make_resource("AWS::S3::AccountPublicAccessBlock", arn, data, region="global")


DENIED = {"_errors": {"PublicAccessBlock": "AccessDenied: nope"}}


@pytest.mark.parametrize(
    ("bucket_bpa", "account_bpa", "status", "reason_part"),
    [
        (ALL_ON, None, Status.PASS, "bucket-level"),
        (None, ALL_ON, Status.PASS, "account-level"),
        (
            only("BlockPublicAcls", "IgnorePublicAcls"),
            only("BlockPublicPolicy", "RestrictPublicBuckets"),
            Status.PASS,
            "together",
        ),
        (None, None, Status.FAIL, "BlockPublicAcls, IgnorePublicAcls"),
        (only("BlockPublicAcls"), only("IgnorePublicAcls"), Status.FAIL, "BlockPublicPolicy"),
    ],
    ids=["bucket-all-on", "account-all-on", "combined", "nothing", "partial"],
)
def test_bucket_block(
    bucket_bpa: dict[str, bool] | None,
    account_bpa: dict[str, bool] | None,
    status: Status,
    reason_part: str,
) -> None:
    snap = make_snapshot([bucket(bucket_bpa), account(account_bpa)])
    [finding] = findings_for(snap, CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_bucket_setting_is_not_assessed_unless_account_covers_it() -> None:
    unreadable = bucket(None, **DENIED)
    [blind] = findings_for(make_snapshot([unreadable, account(None)]), CHECK)
    assert blind.status is Status.NOT_ASSESSED
    [covered] = findings_for(make_snapshot([unreadable, account(ALL_ON)]), CHECK)
    assert covered.status is Status.PASS


def test_unknown_account_setting_is_not_assessed_when_bucket_is_incomplete() -> None:
    acct = account(None, _errors={"PublicAccessBlockConfiguration": "AccessDenied: no"})
    [finding] = findings_for(make_snapshot([bucket(only("BlockPublicAcls")), acct]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert "unreadable" in finding.status_reason
