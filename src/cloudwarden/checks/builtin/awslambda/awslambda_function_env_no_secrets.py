from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity

FUNCTION = "AWS::Lambda::Function"


@check(
    title="Lambda function environment variables hold no secrets",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=FUNCTION,
    wa=("SEC02-BP03",),
    permissions=("lambda:ListFunctions",),
    remediation=Remediation(
        text=(
            "Environment variables are readable by anyone with lambda:GetFunctionConfiguration, "
            "appear in console screens and infrastructure templates, and are never rotated. Move "
            "the secret to Secrets Manager (or SSM SecureString), give the function's role read "
            "access to it, keep only its name or ARN in the variable — and rotate the exposed value."
        ),
        console=(
            "Lambda > <function> > Configuration > Environment variables > Edit: replace the value "
            "with the secret's ARN; store the secret in Secrets Manager."
        ),
        cli=(
            "aws secretsmanager create-secret --name <secret-name> --secret-string <value> && "
            "aws lambda update-function-configuration --function-name <function> "
            "--environment 'Variables={<NAME>_SECRET_ARN=<secret-arn>}'"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
    ),
)
def awslambda_function_env_no_secrets(ctx: CheckContext) -> Results:
    """No environment variable of the function holds a credential-shaped or secret-named value.

    The collector classifies each value with the shared secret patterns (access key
    ids, AWS secret keys, private keys, provider tokens, passwords in URLs, literal
    values of secret-named variables) and keeps only the pattern and a redacted
    excerpt; references such as ARNs or ``{{resolve:...}}`` are not secrets. When
    Lambda could not decrypt the variables (``Environment.Error``), the function is
    NOT_ASSESSED.
    """
    for fn in ctx.resources():
        env = fn.data.get("Environment") or {}
        hits = fn.data.get("EnvironmentSecrets")
        if hits:
            first = hits[0]
            names = ", ".join(h["Name"] for h in hits)
            reason = (
                f"function {fn.id} has secret-looking environment variable(s) {names} "
                f"({first['Pattern']}: {first['Excerpt']})"
            )
            yield ctx.failed(fn, reason, variables=[h["Name"] for h in hits])
        elif hits is None or env.get("Error"):
            why = (env.get("Error") or {}).get("Message", "variables were not scanned")
            yield ctx.not_assessed(fn, f"environment of function {fn.id} unknown: {why}")
        else:
            count = len(env.get("VariableNames", []))
            yield ctx.passed(
                fn, f"none of the {count} environment variables of {fn.id} looks secret"
            )
