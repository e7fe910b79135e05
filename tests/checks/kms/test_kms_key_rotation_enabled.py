"""kms_key_rotation_enabled: only enabled customer managed symmetric keys are in scope."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "kms_key_rotation_enabled"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
CUSTOMER = {
    "KeyId": KEY_ID,
    "KeyManager": "CUSTOMER",
    "KeySpec": "SYMMETRIC_DEFAULT",
    "KeyUsage": "ENCRYPT_DECRYPT",
    "Origin": "AWS_KMS",
    "KeyState": "Enabled",
}


def key(meta: dict[str, Any], **data: Any) -> Any:
    aliases = [{"AliasName": "alias/cw-app"}]
    return make_resource("AWS::KMS::Key", ARN, {"KeyMetadata": meta, "Aliases": aliases, **data})


@pytest.mark.parametrize(
    ("data", "status", "reason_part"),
    [
        (
            {"KeyRotationEnabled": True, "RotationPeriodInDays": 365},
            Status.PASS,
            f"alias/cw-app ({KEY_ID}) rotates automatically every 365 days",
        ),
        ({"KeyRotationEnabled": False}, Status.FAIL, "automatic rotation is off"),
        (
            {"KeyRotationEnabled": None, "_errors": {"KeyRotationEnabled": "AccessDenied: no"}},
            Status.NOT_ASSESSED,
            "AccessDenied",
        ),
    ],
    ids=["rotating", "not-rotating", "unreadable"],
)
def test_customer_symmetric_key(data: dict[str, Any], status: Status, reason_part: str) -> None:
    [finding] = findings_for(make_snapshot([key(CUSTOMER, **data)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


@pytest.mark.parametrize(
    "meta",
    [
        {**CUSTOMER, "KeyManager": "AWS"},
        {**CUSTOMER, "KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
        {**CUSTOMER, "KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        {**CUSTOMER, "Origin": "EXTERNAL"},
        {**CUSTOMER, "KeyState": "Disabled"},
        {**CUSTOMER, "KeyState": "PendingDeletion"},
    ],
    ids=["aws-managed", "asymmetric", "hmac", "imported", "disabled", "pending-deletion"],
)
def test_keys_that_cannot_or_need_not_rotate_get_no_result(meta: dict[str, Any]) -> None:
    assert findings_for(make_snapshot([key(meta, KeyRotationEnabled=None)]), CHECK) == []


def test_unreadable_metadata_is_not_assessed() -> None:
    broken = make_resource("AWS::KMS::Key", ARN, {"_errors": {"KeyMetadata": "AccessDenied: no"}})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
