"""Customer managed KMS keys rotate their key material automatically."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.kms._kms import (
    BASE_PERMISSIONS,
    KEY,
    detail_error,
    label,
    metadata,
    supports_automatic_rotation,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="Customer managed KMS keys have automatic rotation enabled",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=KEY,
    wa=("SEC08-BP01",),
    cis=("4.6",),
    permissions=(*BASE_PERMISSIONS, "kms:GetKeyRotationStatus"),
    remediation=Remediation(
        text=(
            "Automatic rotation gives the key new cryptographic material on a schedule "
            "(every 365 days unless set between 90 and 2560), limiting how much data any "
            "one piece of material protects. Old material is kept, so existing ciphertext "
            "still decrypts and nothing else needs to change."
        ),
        console=(
            "KMS console > Customer managed keys > <key> > Key rotation > tick "
            "'Automatically rotate this KMS key every year' > Save."
        ),
        cli="aws kms enable-key-rotation --key-id <key-id> --rotation-period-in-days 365",
        url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    ),
)
def kms_key_rotation_enabled(ctx: CheckContext) -> Results:
    """Checks that enabled customer managed symmetric keys have automatic rotation on.

    Applies only where KMS supports automatic rotation: customer managed keys with
    ``KeySpec`` ``SYMMETRIC_DEFAULT``, ``KeyUsage`` ``ENCRYPT_DECRYPT`` and
    ``Origin`` ``AWS_KMS``, in state ``Enabled`` (CIS 4.6 scope). Asymmetric, HMAC,
    imported-material and custom key store keys cannot be rotated automatically,
    AWS managed keys are rotated by AWS every year, and disabled or pending-deletion
    keys encrypt nothing new - none of these gets a result. The status comes from
    ``GetKeyRotationStatus`` (``KeyRotationEnabled``, ``RotationPeriodInDays``).
    """
    for key in ctx.resources():
        result = _assess(ctx, key)
        if result is not None:
            yield result


def _assess(ctx: CheckContext, key: Resource) -> CheckResult | None:
    error = detail_error(key, "KeyMetadata")
    if error:
        return ctx.not_assessed(key, f"key metadata unreadable: {error}")
    meta = metadata(key)
    if not supports_automatic_rotation(meta) or meta.get("KeyState") != "Enabled":
        return None
    error = detail_error(key, "KeyRotationEnabled")
    if error:
        return ctx.not_assessed(key, f"rotation status unreadable: {error}")
    enabled = key.data.get("KeyRotationEnabled")
    if enabled is True:
        period = key.data.get("RotationPeriodInDays")
        every = f" every {period} days" if period else ""
        return ctx.passed(key, f"key {label(key)} rotates automatically{every}")
    if enabled is False:
        return ctx.failed(key, f"automatic rotation is off for customer managed key {label(key)}")
    return ctx.not_assessed(key, f"rotation status of key {label(key)} was not collected")
