"""Is a trail's S3 bucket open to the public? Read from the bucket as the S3 collector keeps it.

S3 decides public access from three settings: the bucket policy (``PolicyStatus.IsPublic``
is S3's own verdict on it), the ACL (grants to the AllUsers or AuthenticatedUsers
groups), and Block Public Access, where each of the four flags is in force when it
is set on the bucket or on the owning account.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext
from cloudwarden.checks.builtin.cloudtrail._trails import ACCOUNT_BLOCK
from cloudwarden.model import Resource

BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
}


def public_grants(bucket: Resource) -> list[str]:
    grants = (bucket.data.get("Acl") or {}).get("Grants", [])
    return [
        f"{_PUBLIC_GROUPS[g['Grantee']['URI']]}:{g.get('Permission', '?')}"
        for g in grants
        if g.get("Grantee", {}).get("URI") in _PUBLIC_GROUPS
    ]


def policy_is_public(bucket: Resource) -> bool:
    """S3's ``IsPublic`` verdict; without it, an unconditioned Allow to ``*`` counts as public."""
    status = bucket.data.get("PolicyStatus")
    if status is not None:
        return bool(status.get("IsPublic"))
    statements = (bucket.data.get("Policy") or {}).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return any(
        s.get("Effect") == "Allow" and _anyone(s.get("Principal")) and not s.get("Condition")
        for s in statements
    )


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS", [])
        return "*" in (aws if isinstance(aws, list) else [aws])
    return False


def blocks_off(ctx: CheckContext, bucket: Resource) -> tuple[list[str], str | None]:
    """Block Public Access flags in force neither on the bucket nor on its account, and why
    the account's setting is unknown, if it is."""
    own = bucket.data.get("PublicAccessBlock") or {}
    accounts = ctx.related(ACCOUNT_BLOCK, bucket.account)
    acct = (accounts[0].data.get("PublicAccessBlockConfiguration") or {}) if accounts else {}
    errors = accounts[0].data.get("_errors", {}) if accounts else {}
    unknown = next(iter(errors.values()), None) if errors else None
    if unknown:
        unknown = f"account Block Public Access of {bucket.account} unknown: {unknown}"
    return [f for f in BPA_FLAGS if not (own.get(f) or acct.get(f))], unknown
