from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity

FUNCTION = "AWS::Lambda::Function"
# Condition keys that tie a "*" principal to a caller, source or organisation (case-insensitive).
RESTRICTING_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceorgid",
    }
)
_NEGATED = ("StringNot", "ArnNot", "NotIpAddress")


@check(
    title="Lambda function resource policies do not allow anyone to invoke or manage the function",
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type=FUNCTION,
    wa=("SEC03-BP07",),
    cis=("2.21",),
    permissions=("lambda:ListFunctions", "lambda:GetPolicy"),
    remediation=Remediation(
        text=(
            "A statement granting Principal '*' lets any AWS account — or, for function URLs, "
            "anyone on the internet — invoke the function, running code with its role's "
            "permissions. Remove the statement, or scope it with aws:SourceArn/aws:SourceAccount "
            "(for a service trigger) or aws:PrincipalOrgID."
        ),
        console="Lambda > <function> > Configuration > Permissions > Resource-based policy statements > Delete the public statement.",
        cli="aws lambda remove-permission --function-name <function> --statement-id <statement-id>",
        url="https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html",
    ),
)
def awslambda_function_not_public(ctx: CheckContext) -> Results:
    """No Allow statement of the function's resource policy has a ``*`` principal without a
    condition that restricts the caller.

    ``Principal: "*"`` (or ``{"AWS": "*"}``) matches every principal of every account,
    and unauthenticated callers of a function URL with auth type NONE. A positive
    condition on ``aws:SourceAccount``, ``aws:SourceArn``, ``aws:PrincipalOrgID`` (or a
    similar caller key) with a value other than ``*`` narrows it; negated operators
    (``StringNotEquals``...) and ``lambda:FunctionUrlAuthType`` do not. Condition keys
    are compared case-insensitively, as IAM does. A policy that could not be read is
    NOT_ASSESSED.
    """
    for fn in ctx.resources():
        if "Policy" in fn.data.get("_errors", {}):
            yield ctx.not_assessed(
                fn, f"resource policy of {fn.id}: {fn.data['_errors']['Policy']}"
            )
            continue
        statements = (fn.data.get("Policy") or {}).get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        public = [s for s in statements if _open(s)]
        if public:
            sid = public[0].get("Sid", "?")
            action = public[0].get("Action", "?")
            reason = f"statement {sid} of {fn.id} allows {action} to principal * with no restricting condition"
            yield ctx.failed(fn, reason, statements=[s.get("Sid", "") for s in public])
        else:
            yield ctx.passed(fn, f"no statement of {fn.id} opens it to principal *")


def _open(statement: dict[str, Any]) -> bool:
    return (
        statement.get("Effect") == "Allow"
        and _anyone(statement.get("Principal"))
        and not _restricted(statement.get("Condition") or {})
    )


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS", [])
        return "*" in (aws if isinstance(aws, list) else [aws])
    return False


def _restricted(condition: dict[str, Any]) -> bool:
    for operator, clauses in condition.items():
        if any(neg in operator for neg in _NEGATED) or not isinstance(clauses, dict):
            continue
        for key, value in clauses.items():
            values = value if isinstance(value, list) else [value]
            if key.lower() in RESTRICTING_KEYS and values and all(str(v) != "*" for v in values):
                return True
    return False
