"""Secrets Manager secrets: their metadata (rotation included) and resource policy.

ListSecrets already carries ``RotationEnabled``, the rotation Lambda and rules, so
one detail call per secret (GetResourcePolicy) is all that is needed. Secret values
are never read: cloudwarden has no reason to hold them, and the scanner policy does
not grant ``secretsmanager:GetSecretValue``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

SECRET = "AWS::SecretsManager::Secret"


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


@collector(
    service="secretsmanager",
    resource_types=(SECRET,),
    permissions=("secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy"),
)
def collect_secretsmanager(ctx: CollectContext) -> Iterator[Resource]:
    for item in ctx.paginate("secretsmanager", "list_secrets", "SecretList"):
        yield _secret(ctx, item)


def _secret(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    arn = str(item["ARN"])
    errors: dict[str, str] = {}
    data: dict[str, Any] = _jsonable(item)
    resp = ctx.detail(
        "secretsmanager",
        "get_resource_policy",
        errors,
        "ResourcePolicy",
        absent=("ResourceNotFoundException",),
        SecretId=arn,
    )
    data["ResourcePolicy"] = _parse_policy(resp, errors)
    if errors:
        data["_errors"] = errors
    name = str(item.get("Name") or arn.rsplit(":", 1)[-1])
    return ctx.resource(SECRET, arn=arn, id=name, name=name, data=data)


def _parse_policy(resp: Any, errors: dict[str, str]) -> Any:
    """GetResourcePolicy succeeds with no ``ResourcePolicy`` field when there is none."""
    text = resp.get("ResourcePolicy") if resp else None
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        errors["ResourcePolicy"] = f"resource policy is not valid JSON: {exc}"
        return None
