"""s3_bucket_versioning_enabled: only Status=Enabled passes."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_versioning_enabled"


def bucket(versioning: dict[str, Any] | None, **extra: Any) -> Any:
    data = {"Name": "cw-bucket", "Versioning": versioning, **extra}
    return make_resource("AWS::S3::Bucket", "arn:aws:s3:::cw-bucket", data, region="global")


@pytest.mark.parametrize(
    ("versioning", "status", "reason_part"),
    [
        ({"Status": "Enabled", "MFADelete": "Enabled"}, Status.PASS, "MFA Delete Enabled"),
        ({"Status": "Enabled"}, Status.PASS, "Enabled"),
        ({"Status": "Suspended"}, Status.FAIL, "Suspended"),
        ({}, Status.FAIL, "never been enabled"),
    ],
    ids=["enabled-mfa", "enabled", "suspended", "never"],
)
def test_versioning(versioning: dict[str, Any], status: Status, reason_part: str) -> None:
    [finding] = findings_for(make_snapshot([bucket(versioning)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_versioning_is_not_assessed() -> None:
    broken = bucket(None, _errors={"Versioning": "AccessDenied: denied"})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
