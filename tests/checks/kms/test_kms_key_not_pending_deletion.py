"""kms_key_not_pending_deletion: customer managed keys must not be scheduled for deletion."""

from __future__ import annotations

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "kms_key_not_pending_deletion"
ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("state", "status", "reason_part"),
    [
        ("Enabled", Status.PASS, "is Enabled, not scheduled"),
        ("Disabled", Status.PASS, "is Disabled, not scheduled"),
        ("PendingDeletion", Status.FAIL, "destroyed on 2026-12-04T00:00:00+00:00"),
        ("PendingReplicaDeletion", Status.FAIL, "PendingReplicaDeletion"),
    ],
)
def test_key_states(state: str, status: Status, reason_part: str) -> None:
    meta = {"KeyManager": "CUSTOMER", "KeyState": state}
    if state == "PendingDeletion":
        meta["DeletionDate"] = "2026-12-04T00:00:00+00:00"
    snap = make_snapshot(
        [make_resource("AWS::KMS::Key", ARN, {"KeyMetadata": meta})], regions=("eu-west-1",)
    )
    [finding] = findings_for(snap, CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_aws_managed_and_unreadable_keys() -> None:
    managed = make_resource(
        "AWS::KMS::Key", ARN, {"KeyMetadata": {"KeyManager": "AWS", "KeyState": "Enabled"}}
    )
    assert findings_for(make_snapshot([managed]), CHECK) == []
    broken = make_resource("AWS::KMS::Key", ARN, {"_errors": {"KeyMetadata": "AccessDenied: no"}})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
