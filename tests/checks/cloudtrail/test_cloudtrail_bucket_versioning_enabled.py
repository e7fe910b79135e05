"""cloudtrail_bucket_versioning_enabled: deleted or overwritten trail logs stay recoverable."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (
            {"Versioning": {"Status": "Enabled"}, "ObjectLock": None},
            Status.PASS,
            "has versioning on",
        ),
        (
            {"Versioning": {}, "ObjectLock": {"ObjectLockEnabled": "Enabled"}},
            Status.PASS,
            "has Object Lock on",
        ),
        (
            {"Versioning": {"Status": "Suspended"}, "ObjectLock": None},
            Status.FAIL,
            "has versioning Suspended and no Object Lock",
        ),
        ({"Versioning": {}, "ObjectLock": None}, Status.FAIL, "versioning never enabled"),
        (
            {"Versioning": None, "ObjectLock": None, "_errors": {"Versioning": "AccessDenied"}},
            Status.NOT_ASSESSED,
            "Versioning: AccessDenied",
        ),
    ],
    ids=["versioned", "object-lock", "suspended", "never", "unreadable"],
)
def test_trail_bucket_keeps_versions(data: dict[str, Any], status: Status, reason: str) -> None:
    trail = make_resource(
        "AWS::CloudTrail::Trail", TRAIL_ARN, {"Name": "main", "S3BucketName": "trail-logs"}
    )
    bucket = make_resource("AWS::S3::Bucket", "arn:aws:s3:::trail-logs", data, region="global")
    [finding] = findings_for(make_snapshot([trail, bucket]), "cloudtrail_bucket_versioning_enabled")
    assert (finding.resource_arn, finding.status) == (TRAIL_ARN, status)
    assert reason in finding.status_reason
