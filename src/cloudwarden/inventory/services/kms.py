"""KMS keys: their metadata, key policy, automatic-rotation status and aliases.

ListKeys names every key in the region, AWS managed ones included; DescribeKey says
who manages a key and what it is. Rotation is only asked for where KMS supports
automatic rotation (customer managed, symmetric encryption keys with KMS-generated
material): for the others GetKeyRotationStatus fails with UnsupportedOperation, and
that would read like a collection problem when it is simply not applicable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

KEY = "AWS::KMS::Key"

_ROTATION_STATES = ("Enabled", "Disabled")


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


def _supports_automatic_rotation(meta: dict[str, Any]) -> bool:
    """True for the keys AWS can rotate automatically (and CIS 4.6 asks to rotate)."""
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return (
        meta.get("KeyManager") == "CUSTOMER"
        and spec == "SYMMETRIC_DEFAULT"
        and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
        and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
    )


@collector(
    service="kms",
    resource_types=(KEY,),
    permissions=(
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
    ),
)
def collect_kms(ctx: CollectContext) -> Iterator[Resource]:
    keys = ctx.paginate("kms", "list_keys", "Keys")
    aliases, alias_error = _aliases_by_key(ctx)
    for item in keys:
        errors = {"Aliases": alias_error} if alias_error else {}
        yield _key(ctx, item, aliases.get(str(item["KeyId"]), []), errors)


def _aliases_by_key(ctx: CollectContext) -> tuple[dict[str, list[Any]], str]:
    """Aliases are a convenience for readers; failing to list them must not lose the keys."""
    try:
        items = ctx.paginate("kms", "list_aliases", "Aliases")
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        return {}, str(exc)
    found: dict[str, list[Any]] = {}
    for alias in items:
        if alias.get("TargetKeyId"):
            found.setdefault(str(alias["TargetKeyId"]), []).append(_jsonable(alias))
    return found, ""


def _key(
    ctx: CollectContext, item: dict[str, Any], aliases: list[Any], errors: dict[str, str]
) -> Resource:
    key_id = str(item["KeyId"])
    data: dict[str, Any] = {**_jsonable(item), "Aliases": aliases}
    described = ctx.detail("kms", "describe_key", errors, "KeyMetadata", KeyId=key_id)
    meta: dict[str, Any] = _jsonable(described["KeyMetadata"]) if described else {}
    data["KeyMetadata"] = meta or None
    data["KeyRotationEnabled"] = None
    if meta and _supports_automatic_rotation(meta) and meta.get("KeyState") in _ROTATION_STATES:
        data.update(_rotation(ctx, key_id, errors))
    data["Policy"] = _policy(ctx, key_id, errors)
    if errors:
        data["_errors"] = errors
    arn = str(item.get("KeyArn") or meta.get("Arn") or ctx.arn("kms", f"key/{key_id}"))
    alias_name = str(aliases[0]["AliasName"]) if aliases else key_id
    return ctx.resource(KEY, arn=arn, id=key_id, name=alias_name, data=data)


def _rotation(ctx: CollectContext, key_id: str, errors: dict[str, str]) -> dict[str, Any]:
    resp = ctx.detail("kms", "get_key_rotation_status", errors, "KeyRotationEnabled", KeyId=key_id)
    if resp is None:
        return {}
    fields = {k: v for k, v in resp.items() if k not in ("ResponseMetadata", "KeyId")}
    return dict(_jsonable(fields))


def _policy(ctx: CollectContext, key_id: str, errors: dict[str, str]) -> Any:
    resp = ctx.detail("kms", "get_key_policy", errors, "Policy", KeyId=key_id, PolicyName="default")
    if resp is None or not resp.get("Policy"):
        return None
    try:
        return json.loads(resp["Policy"])
    except ValueError as exc:
        errors["Policy"] = f"key policy is not valid JSON: {exc}"
        return None
