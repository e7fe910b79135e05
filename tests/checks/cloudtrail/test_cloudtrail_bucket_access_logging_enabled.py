"""cloudtrail_bucket_access_logging_enabled: the trail bucket logs requests to a target bucket."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"


def bucket(data: dict[str, Any]) -> Any:
    return make_resource("AWS::S3::Bucket", "arn:aws:s3:::trail-logs", data, region="global")


@pytest.mark.parametrize(
    ("buckets", "status", "reason"),
    [
        (
            [bucket({"Logging": {"TargetBucket": "access-logs", "TargetPrefix": "trail/"}})],
            Status.PASS,
            "logs access to access-logs",
        ),
        ([bucket({"Logging": None})], Status.FAIL, "has server access logging off"),
        (
            [
                bucket(
                    {"Logging": None, "_errors": {"Logging": "s3:GetBucketLogging: AccessDenied"}}
                )
            ],
            Status.NOT_ASSESSED,
            "AccessDenied",
        ),
        ([], Status.NOT_ASSESSED, "not in the snapshot"),
    ],
    ids=["logging", "not-logging", "unreadable", "bucket-elsewhere"],
)
def test_trail_bucket_logging(buckets: list[Any], status: Status, reason: str) -> None:
    trail = make_resource(
        "AWS::CloudTrail::Trail", TRAIL_ARN, {"Name": "main", "S3BucketName": "trail-logs"}
    )
    [finding] = findings_for(
        make_snapshot([trail, *buckets]), "cloudtrail_bucket_access_logging_enabled"
    )
    assert (finding.resource_arn, finding.status) == (TRAIL_ARN, status)
    assert reason in finding.status_reason
