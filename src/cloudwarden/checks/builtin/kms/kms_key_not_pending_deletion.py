"""Customer managed KMS keys are not scheduled for deletion."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.kms._kms import (
    BASE_PERMISSIONS,
    KEY,
    detail_error,
    is_customer_managed,
    label,
    metadata,
)
from cloudwarden.model import Area, Remediation, Resource, Severity

_PENDING = ("PendingDeletion", "PendingReplicaDeletion")


@check(
    title="Customer managed KMS keys are not pending deletion",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=KEY,
    wa=("SEC08-BP01",),
    permissions=BASE_PERMISSIONS,
    remediation=Remediation(
        text=(
            "Once the waiting period ends KMS destroys the key material, and every "
            "ciphertext, snapshot and volume encrypted under it becomes unrecoverable. "
            "If the deletion was not intended - or an attacker scheduled it - cancel it "
            "and re-enable the key, then find out who scheduled it (CloudTrail "
            "ScheduleKeyDeletion)."
        ),
        console=(
            "KMS console > Customer managed keys > <key> > Key actions > Cancel key "
            "deletion; then Key actions > Enable."
        ),
        cli=(
            "aws kms cancel-key-deletion --key-id <key-id> && aws kms enable-key --key-id <key-id>"
        ),
        url="https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
    ),
)
def kms_key_not_pending_deletion(ctx: CheckContext) -> Results:
    """Checks that no customer managed key is in ``PendingDeletion`` state.

    ``ScheduleKeyDeletion`` disables a key at once and destroys it after a 7-30 day
    waiting period; deletion is irreversible and makes all data encrypted under the
    key unreadable (a classic ransom and sabotage move). A multi-Region key whose
    replicas are being deleted shows ``PendingReplicaDeletion``. The reason gives the
    ``DeletionDate`` so there is time to cancel. AWS managed keys cannot be deleted
    and are skipped.
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
    if not is_customer_managed(meta):
        return None
    state = str(meta.get("KeyState", "unknown"))
    if state in _PENDING:
        when = meta.get("DeletionDate") or "the end of its waiting period"
        return ctx.failed(
            key, f"key {label(key)} is {state}: it will be destroyed on {when}", key_state=state
        )
    return ctx.passed(key, f"key {label(key)} is {state}, not scheduled for deletion")
