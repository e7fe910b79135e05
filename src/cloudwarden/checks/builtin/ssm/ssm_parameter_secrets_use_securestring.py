"""SSM parameters that hold secrets are SecureString parameters."""

from __future__ import annotations

import re
from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity

PARAMETER = "AWS::SSM::Parameter"
CLASSIFICATION = "ValueClassification"
PLAIN_TYPES = ("String", "StringList")

# Matched against the last path segment of the name, so "/secrets/db/host" is not a hit.
SECRET_NAME = re.compile(
    r"passw(?:or)?d|(?<![a-z])pwd(?![a-z])|secret|token|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credential|conn(?:ection)?[_-]?str",
    re.IGNORECASE,
)


@check(
    title="SSM parameters holding secrets are SecureString parameters",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=PARAMETER,
    wa=("SEC02-BP03",),
    permissions=("ssm:DescribeParameters", "ssm:GetParameters"),
    remediation=Remediation(
        text=(
            "A String parameter is stored and returned in plain text to anyone with "
            "ssm:GetParameter, and its history keeps every old value. Treat the value as "
            "exposed: rotate the credential, delete the parameter (which removes its "
            "history) and recreate it as a SecureString encrypted with a KMS key - or move "
            "it to Secrets Manager to get rotation too."
        ),
        console=(
            "Systems Manager console > Parameter Store > <parameter> > Delete; then Create "
            "parameter with the same name, Type SecureString, a KMS key and the new value."
        ),
        cli=(
            "aws ssm delete-parameter --name <parameter-name> && aws ssm put-parameter "
            "--name <parameter-name> --type SecureString --key-id <kms-key-id> "
            "--value <new-secret-value>"
        ),
        url="https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html",
    ),
)
def ssm_parameter_secrets_use_securestring(ctx: CheckContext) -> Results:
    """Checks that plain-text parameters do not hold secrets.

    Parameter Store has three types: ``String`` and ``StringList`` are stored and
    served in plain text, ``SecureString`` is encrypted with KMS and needs
    ``kms:Decrypt`` as well as ``ssm:GetParameter``. A plain parameter fails when its
    value looks like a credential (the collector classified it - an access key id, a
    private key, a URL with a password, a token - and kept only that verdict), or
    when the last segment of its name suggests a secret (``password``, ``token``,
    ``api_key``, ...) and the value is not plainly harmless (a number, a boolean, an
    ARN, a URL without credentials). SecureString parameters pass. A plain parameter
    with an innocuous name whose value could not be read is NOT_ASSESSED. The
    collector reads only ``String`` values, so ``StringList`` parameters are judged
    by name alone.
    """
    for param in ctx.resources():
        yield _assess(ctx, param)


def _error(param: Resource) -> str | None:
    errors: dict[str, Any] = param.data.get("_errors") or {}
    return str(errors[CLASSIFICATION]) if errors.get(CLASSIFICATION) else None


def _assess(ctx: CheckContext, param: Resource) -> CheckResult:
    kind = str(param.data.get("Type", ""))
    if kind == "SecureString":
        return ctx.passed(param, f"parameter {param.name} is a SecureString, encrypted with KMS")
    verdict: dict[str, Any] = param.data.get(CLASSIFICATION) or {}
    category, why = verdict.get("Category"), verdict.get("Reason", "")
    if category == "secret":
        return ctx.failed(param, f"{kind} parameter {param.name}: {why}, stored in plain text")
    hit = SECRET_NAME.search(param.name.rsplit("/", 1)[-1])
    if hit and category != "benign":
        return ctx.failed(
            param, f"{kind} parameter {param.name} is named like a secret ('{hit.group(0)}')"
        )
    if hit:
        return ctx.passed(param, f"{kind} parameter {param.name} is named like a secret but {why}")
    if kind == "StringList":
        return ctx.passed(param, f"StringList parameter {param.name}: name does not look secret")
    error = _error(param)
    if error or not category:
        return ctx.not_assessed(
            param, f"value of {param.name} not classified: {error or 'not collected'}"
        )
    return ctx.passed(param, f"{kind} parameter {param.name}: neither name nor value look secret")
