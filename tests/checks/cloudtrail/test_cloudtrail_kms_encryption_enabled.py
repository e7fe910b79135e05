"""cloudtrail_kms_encryption_enabled: a trail must name a KMS key for SSE-KMS delivery."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL = "AWS::CloudTrail::Trail"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        ({"KmsKeyId": KEY}, Status.PASS, f"encrypts log files with KMS key {KEY}"),
        ({}, Status.FAIL, "has no KmsKeyId"),
    ],
    ids=["kms", "s3-managed-only"],
)
def test_trail_encryption(data: dict[str, Any], status: Status, reason: str) -> None:
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
    snap = make_snapshot([make_resource(TRAIL, arn, {"Name": "main", **data})])
    [finding] = findings_for(snap, "cloudtrail_kms_encryption_enabled")
    assert (finding.resource_arn, finding.status) == (arn, status)
    assert reason in finding.status_reason
