"""Lambda functions: their configuration, resource policy, and a secret scan of their
environment variables that never stores a value.

``ListFunctions`` returns environment variables in clear text. The snapshot is a file
users keep and share, so only the variable names are kept, and each value is run
through :mod:`cloudwarden.inventory.secret_scan` here, at collection time; what is
stored is the pattern name and a redacted excerpt. The resource policy from
``GetPolicy`` is kept parsed; ``ResourceNotFoundException`` there means "no policy".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.inventory.secret_scan import classify, redact
from cloudwarden.model import Resource

FUNCTION = "AWS::Lambda::Function"


@collector(
    service="lambda",
    resource_types=(FUNCTION,),
    permissions=("lambda:ListFunctions", "lambda:GetPolicy"),
)
def collect_lambda(ctx: CollectContext) -> Iterator[Resource]:
    for config in ctx.paginate("lambda", "list_functions", "Functions"):
        yield _function(ctx, config)


def _function(ctx: CollectContext, config: dict[str, Any]) -> Resource:
    name = config["FunctionName"]
    errors: dict[str, str] = {}
    data = {k: v for k, v in config.items() if k not in ("Environment", "ResponseMetadata")}
    data["Environment"], data["EnvironmentSecrets"] = scan_environment(config.get("Environment"))
    policy = ctx.detail(
        "lambda",
        "get_policy",
        errors,
        "Policy",
        absent=("ResourceNotFoundException",),
        FunctionName=name,
    )
    data["Policy"] = _parse_policy(policy, errors)
    if errors:
        data["_errors"] = errors
    return ctx.resource(FUNCTION, arn=config["FunctionArn"], id=name, data=data)


def scan_environment(
    environment: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Variable names (and any decryption error), plus secret hits with redacted values."""
    env = environment or {}
    variables = {str(k): str(v) for k, v in (env.get("Variables") or {}).items()}
    kept: dict[str, Any] = {"VariableNames": sorted(variables)}
    if env.get("Error"):
        kept["Error"] = env["Error"]
    hits = []
    for var, value in sorted(variables.items()):
        pattern = classify(var, value)
        if pattern:
            hits.append({"Name": var, "Pattern": pattern, "Excerpt": redact(value)})
    return kept, hits


def _parse_policy(response: Any, errors: dict[str, str]) -> dict[str, Any] | None:
    if not response or not response.get("Policy"):
        return None
    try:
        return dict(json.loads(response["Policy"]))
    except ValueError:
        errors["Policy"] = "lambda:GetPolicy: Policy is not valid JSON"
        return None
