"""s3_bucket_default_encryption_enabled: a default SSE rule must exist."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_default_encryption_enabled"


def bucket(encryption: dict[str, Any] | None, **extra: Any) -> Any:
    data = {"Name": "cw-bucket", "Encryption": encryption, **extra}
    return make_resource("AWS::S3::Bucket", "arn:aws:s3:::cw-bucket", data, region="global")


def rule(algorithm: str, key: str | None = None) -> dict[str, Any]:
    default: dict[str, str] = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]}


KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("encryption", "status", "reason_part"),
    [
        (rule("AES256"), Status.PASS, "SSE-S3"),
        (rule("aws:kms", KEY), Status.PASS, f"SSE-KMS (aws:kms) with key {KEY}"),
        (None, Status.FAIL, "no default server-side encryption"),
        ({"Rules": []}, Status.FAIL, "no default server-side encryption"),
    ],
    ids=["sse-s3", "sse-kms", "none", "empty-rules"],
)
def test_default_encryption(
    encryption: dict[str, Any] | None, status: Status, reason_part: str
) -> None:
    [finding] = findings_for(make_snapshot([bucket(encryption)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_encryption_is_not_assessed() -> None:
    broken = bucket(None, _errors={"Encryption": "AccessDenied: denied"})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
