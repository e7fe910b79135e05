"""Secrets Manager secrets rotate automatically."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity

SECRET = "AWS::SecretsManager::Secret"


@check(
    title="Secrets Manager secrets have automatic rotation enabled",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=SECRET,
    wa=("SEC02-BP05",),
    permissions=("secretsmanager:ListSecrets",),
    remediation=Remediation(
        text=(
            "A secret that never changes stays useful to whoever copied it - from a log, "
            "a laptop or a former colleague. Turn on rotation with a rotation function "
            "(or managed rotation for services that offer it) on a schedule that fits "
            "the credential, for example every 30 days."
        ),
        console=(
            "Secrets Manager console > Secrets > <secret> > Rotation > Edit rotation > "
            "enable Automatic rotation, set the schedule and the rotation function > Save."
        ),
        cli=(
            "aws secretsmanager rotate-secret --secret-id <secret-arn> "
            "--rotation-lambda-arn <rotation-function-arn> "
            "--rotation-rules AutomaticallyAfterDays=30"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html",
    ),
)
def secretsmanager_secret_rotation_enabled(ctx: CheckContext) -> Results:
    """Checks that each secret has automatic rotation turned on.

    ``ListSecrets`` reports ``RotationEnabled`` with the rotation rules (a number of
    days or a schedule expression) and the rotation Lambda, if any. Secrets owned by
    another service (``OwningService``, e.g. an RDS master password) are rotated by
    that service and normally report rotation on too; a secret without rotation is
    a long-lived credential, which SEC02-BP05 asks to avoid.
    """
    for secret in ctx.resources():
        yield _assess(ctx, secret)


def _assess(ctx: CheckContext, secret: Resource) -> CheckResult:
    if secret.data.get("RotationEnabled") is not True:
        return ctx.failed(secret, f"secret {secret.name} has no automatic rotation")
    rules = secret.data.get("RotationRules") or {}
    schedule = rules.get("ScheduleExpression") or (
        f"every {rules['AutomaticallyAfterDays']} days"
        if rules.get("AutomaticallyAfterDays")
        else ""
    )
    detail = f" ({schedule})" if schedule else ""
    return ctx.passed(secret, f"secret {secret.name} rotates automatically{detail}")
