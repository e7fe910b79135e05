"""rds_instance_storage_encrypted: StorageEncrypted must be true."""

from __future__ import annotations

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "rds_instance_storage_encrypted"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("encrypted", "status", "reason_part"),
    [(True, Status.PASS, f"encrypted with {KEY}"), (False, Status.FAIL, "StorageEncrypted false")],
)
def test_encryption(encrypted: bool, status: Status, reason_part: str) -> None:
    data = {"DBInstanceIdentifier": "cw-db", "StorageEncrypted": encrypted}
    if encrypted:
        data["KmsKeyId"] = KEY
    inst = make_resource(
        "AWS::RDS::DBInstance", "arn:aws:rds:us-east-1:123456789012:db:cw-db", data
    )
    [finding] = findings_for(make_snapshot([inst]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
