"""Secrets Manager resource policies do not let everyone read a secret."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._public_policy import public_grants
from cloudwarden.model import Area, Remediation, Resource, Severity

SECRET = "AWS::SecretsManager::Secret"


@check(
    title="Secrets Manager resource policies do not grant access to everyone",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=SECRET,
    wa=("SEC03-BP07", "SEC02-BP03"),
    cis=("2.21",),
    permissions=("secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy"),
    remediation=Remediation(
        text=(
            'A resource policy that allows Principal "*" without a condition pinning the '
            "caller lets principals of any AWS account read the secret, subject only to "
            "the KMS key. Remove the statement or restrict it; PutResourcePolicy with "
            "--block-public-policy then refuses public policies."
        ),
        console=(
            "Secrets Manager console > Secrets > <secret> > Overview > Resource permissions "
            "> Edit permissions: remove or restrict the public statement > Save."
        ),
        cli=(
            "aws secretsmanager delete-resource-policy --secret-id <secret-arn>  # or: "
            "aws secretsmanager put-resource-policy --secret-id <secret-arn> "
            "--resource-policy file://policy.json --block-public-policy"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html",
    ),
)
def secretsmanager_secret_policy_not_public(ctx: CheckContext) -> Results:
    """Checks that no statement of a secret's resource policy lets everyone in.

    A secret's resource policy is evaluated with the caller's identity policy for
    callers in the same account, and on its own for other accounts - so a statement
    allowing ``Principal "*"`` opens ``GetSecretValue`` to every AWS account unless
    a condition pins the caller to fixed identifying values (``aws:PrincipalOrgID``,
    ``aws:PrincipalAccount``, ``aws:SourceVpce``, ...). The secret's KMS key still
    has to allow decryption, but with the AWS managed ``aws/secretsmanager`` key
    other accounts cannot use it, so the exposure is real only with a customer key
    that also allows them; the policy is still flagged. No policy passes.
    """
    for secret in ctx.resources():
        yield _assess(ctx, secret)


def _error(secret: Resource) -> str | None:
    errors: dict[str, Any] = secret.data.get("_errors") or {}
    return str(errors["ResourcePolicy"]) if errors.get("ResourcePolicy") else None


def _assess(ctx: CheckContext, secret: Resource) -> CheckResult:
    error = _error(secret)
    if error:
        return ctx.not_assessed(secret, f"resource policy unreadable: {error}")
    policy = secret.data.get("ResourcePolicy")
    if not policy:
        return ctx.passed(secret, f"secret {secret.name} has no resource policy")
    grants = public_grants(policy)
    if grants:
        return ctx.failed(
            secret,
            f"resource policy of secret {secret.name}: {grants[0].describe()}",
            statements=[g.sid for g in grants],
        )
    return ctx.passed(secret, f"no statement in the resource policy of {secret.name} is public")
