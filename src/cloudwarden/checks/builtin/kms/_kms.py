"""What the KMS checks share: reading a key's metadata as the collector stored it."""

from __future__ import annotations

from typing import Any

from cloudwarden.model import Resource

KEY = "AWS::KMS::Key"
BASE_PERMISSIONS = ("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey")


def metadata(key: Resource) -> dict[str, Any]:
    """The key's DescribeKey ``KeyMetadata`` ({} when it could not be read)."""
    return dict(key.data.get("KeyMetadata") or {})


def is_customer_managed(meta: dict[str, Any]) -> bool:
    return meta.get("KeyManager") == "CUSTOMER"


def supports_automatic_rotation(meta: dict[str, Any]) -> bool:
    """Customer managed symmetric encryption keys with KMS-generated key material.

    KMS cannot rotate asymmetric, HMAC, imported-material or custom key store keys
    automatically, and AWS managed keys rotate on AWS's own yearly schedule.
    """
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return (
        is_customer_managed(meta)
        and spec == "SYMMETRIC_DEFAULT"
        and meta.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
        and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
    )


def label(key: Resource) -> str:
    """``alias/name (key-id)`` when the key has an alias, else its id."""
    aliases = key.data.get("Aliases") or []
    if aliases:
        return f"{aliases[0].get('AliasName')} ({key.id})"
    return key.id


def detail_error(key: Resource, part: str) -> str | None:
    errors: dict[str, Any] = key.data.get("_errors") or {}
    reason = errors.get(part)
    return str(reason) if reason else None
