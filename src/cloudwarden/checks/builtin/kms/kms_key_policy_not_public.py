"""KMS key policies do not let everyone use the key."""

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
from cloudwarden.checks.builtin.s3._public_policy import public_grants
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="KMS key policies do not grant access to everyone",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=KEY,
    wa=("SEC03-BP07", "SEC08-BP01"),
    cis=("2.21",),
    permissions=(*BASE_PERMISSIONS, "kms:GetKeyPolicy"),
    remediation=Remediation(
        text=(
            'A key policy statement allowing Principal "*" without a condition such as '
            "kms:CallerAccount or aws:PrincipalOrgID lets any AWS account use or manage "
            "the key, and so read whatever it protects. Grant the key to named principals "
            "or pin the caller with a condition."
        ),
        console=(
            "KMS console > Customer managed keys > <key> > Key policy > Edit (policy view): "
            "remove or restrict the public statement > Save changes."
        ),
        cli=(
            "aws kms get-key-policy --key-id <key-id> --policy-name default --query Policy "
            "--output text > key-policy.json && (edit key-policy.json) && "
            "aws kms put-key-policy --key-id <key-id> --policy-name default "
            "--policy file://key-policy.json"
        ),
        url="https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
    ),
    references=(
        "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account",
    ),
)
def kms_key_policy_not_public(ctx: CheckContext) -> Results:
    """Checks that no statement of a customer managed key's policy lets everyone in.

    KMS has no other gate: a key policy is the key's primary access control, and a
    statement allowing ``Principal "*"`` (or ``{"AWS": "*"}``) reaches every
    authenticated AWS principal of every account. Such a statement is acceptable
    only when a condition pins the caller to fixed values - ``kms:CallerAccount``
    (the pattern AWS uses in its own managed-key policies), ``aws:PrincipalOrgID``,
    ``aws:PrincipalAccount``, ``aws:SourceVpce`` and the like. AWS managed keys are
    skipped: their policies are written by AWS and cannot be changed.
    """
    for key in ctx.resources():
        result = _assess(ctx, key)
        if result is not None:
            yield result


def _assess(ctx: CheckContext, key: Resource) -> CheckResult | None:
    meta = metadata(key)
    if meta and not is_customer_managed(meta):
        return None
    error = detail_error(key, "Policy")
    if error:
        return ctx.not_assessed(key, f"key policy unreadable: {error}")
    policy = key.data.get("Policy")
    if not policy:
        return ctx.not_assessed(key, f"key policy of {label(key)} was not collected")
    grants = public_grants(policy)
    if grants:
        return ctx.failed(
            key,
            f"key policy of {label(key)}: {grants[0].describe()}",
            statements=[g.sid for g in grants],
        )
    return ctx.passed(
        key, f"no statement in the key policy of {label(key)} grants access to everyone"
    )
