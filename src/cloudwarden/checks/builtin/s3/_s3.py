"""What the S3 checks share: resource types, detail errors and Block Public Access.

S3 applies Block Public Access as the most restrictive combination of the bucket's
own setting and the account's (access points aside), setting by setting. A check
that asks "is this setting in force for this bucket?" must look at both levels.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext
from cloudwarden.model import Resource

BUCKET = "AWS::S3::Bucket"
ACCOUNT_BLOCK = "AWS::S3::AccountPublicAccessBlock"
BLOCK_SETTINGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)
LIST_PERMISSIONS = ("s3:ListAllMyBuckets", "s3:GetBucketLocation")


def detail_error(resource: Resource, key: str) -> str | None:
    """The recorded reason a resource's ``key`` detail could not be collected, if any."""
    errors: dict[str, Any] = resource.data.get("_errors") or {}
    reason = errors.get(key)
    return str(reason) if reason else None


def on_settings(config: dict[str, Any] | None) -> set[str]:
    return {s for s in BLOCK_SETTINGS if config and config.get(s) is True}


class AccountBlock:
    """The account-level Block Public Access of one bucket's account, as collected."""

    def __init__(self, ctx: CheckContext, bucket: Resource) -> None:
        found = ctx.related(ACCOUNT_BLOCK, bucket.account)
        self.resource = found[0] if found else None
        self.error: str | None = None
        if self.resource is None:
            self.error = "the account-level Block Public Access setting was not collected"
        elif reason := detail_error(self.resource, "PublicAccessBlockConfiguration"):
            self.error = f"the account-level Block Public Access setting is unreadable ({reason})"
        data = self.resource.data if self.resource else {}
        self.on = on_settings(data.get("PublicAccessBlockConfiguration"))

    @property
    def known(self) -> bool:
        return self.error is None


def enforced_by(ctx: CheckContext, bucket: Resource, setting: str) -> str | None:
    """Which level turns ``setting`` on for this bucket ("bucket" or "account"), if any."""
    if setting in on_settings(bucket.data.get("PublicAccessBlock")):
        return "bucket"
    if setting in AccountBlock(ctx, bucket).on:
        return "account"
    return None
