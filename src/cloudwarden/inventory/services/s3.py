"""S3 buckets and the account-level S3 Block Public Access setting.

S3 is a global namespace: ListBuckets returns every bucket of the account, whichever
region it is called in, so this collector runs once per account and records buckets
under region ``global``, keeping each bucket's real location in ``data["Region"]``.
A bucket's settings come from one Get* call each; a call that fails is written to
``data["_errors"]`` under the same key the setting would have had, so a check on
versioning still works when, say, the bucket policy was denied.

The account-level Block Public Access lives in S3 Control and has no CloudFormation
type; it is recorded as ``AWS::S3::AccountPublicAccessBlock``, one per account, even
when it was never configured (``PublicAccessBlockConfiguration`` is then None), so
"off" and "could not read" stay distinguishable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

BUCKET = "AWS::S3::Bucket"
ACCOUNT_BLOCK = "AWS::S3::AccountPublicAccessBlock"

_Extract = Callable[[dict[str, Any]], Any]


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


def _without_metadata(resp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


# (data key, S3 operation, error codes that mean "not configured", how to read the answer)
_BUCKET_DETAILS: tuple[tuple[str, str, tuple[str, ...], _Extract], ...] = (
    ("Policy", "get_bucket_policy", ("NoSuchBucketPolicy",), lambda r: json.loads(r["Policy"])),
    (
        "PolicyStatus",
        "get_bucket_policy_status",
        ("NoSuchBucketPolicy",),
        lambda r: r.get("PolicyStatus"),
    ),
    ("Acl", "get_bucket_acl", (), _without_metadata),
    (
        "PublicAccessBlock",
        "get_public_access_block",
        ("NoSuchPublicAccessBlockConfiguration",),
        lambda r: r.get("PublicAccessBlockConfiguration"),
    ),
    (
        "Encryption",
        "get_bucket_encryption",
        ("ServerSideEncryptionConfigurationNotFoundError",),
        lambda r: r.get("ServerSideEncryptionConfiguration"),
    ),
    (
        "Versioning",
        "get_bucket_versioning",
        (),
        lambda r: {k: r[k] for k in ("Status", "MFADelete") if k in r},
    ),
    ("Logging", "get_bucket_logging", (), lambda r: r.get("LoggingEnabled")),
    (
        "ObjectLock",
        "get_object_lock_configuration",
        ("ObjectLockConfigurationNotFoundError",),
        lambda r: r.get("ObjectLockConfiguration"),
    ),
    (
        "OwnershipControls",
        "get_bucket_ownership_controls",
        ("OwnershipControlsNotFoundError",),
        lambda r: r.get("OwnershipControls"),
    ),
)


@collector(
    service="s3",
    resource_types=(BUCKET, ACCOUNT_BLOCK),
    permissions=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketOwnershipControls",
        "s3:GetAccountPublicAccessBlock",
    ),
    regional=False,
)
def collect_s3(ctx: CollectContext) -> Iterator[Resource]:
    yield _account_block(ctx)
    buckets = ctx.paginate("s3", "list_buckets", "Buckets")
    yield from ctx.fan_out(lambda item: _bucket(ctx, item), buckets)


def _account_block(ctx: CollectContext) -> Resource:
    errors: dict[str, str] = {}
    resp = ctx.detail(
        "s3control",
        "get_public_access_block",
        errors,
        "PublicAccessBlockConfiguration",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=ctx.account,
    )
    data: dict[str, Any] = {
        "PublicAccessBlockConfiguration": resp.get("PublicAccessBlockConfiguration")
        if resp
        else None
    }
    if errors:
        data["_errors"] = errors
    arn = f"arn:{ctx.partition}:s3::{ctx.account}:account"
    return ctx.resource(ACCOUNT_BLOCK, arn=arn, id=ctx.account, name=ctx.account, data=data)


def _bucket(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    name = str(item["Name"])
    errors: dict[str, str] = {}
    region = _location(ctx, name, errors)
    # Ask the bucket's own region: it saves S3's cross-region redirect on every call.
    local = replace(ctx, region=region) if region else ctx
    data: dict[str, Any] = {**_jsonable(item), "Region": region}
    for key, operation, absent, extract in _BUCKET_DETAILS:
        resp = local.detail("s3", operation, errors, key, absent=absent, Bucket=name)
        data[key] = _read(resp, extract, errors, key)
    if errors:
        data["_errors"] = errors
    arn = f"arn:{ctx.partition}:s3:::{name}"
    return ctx.resource(BUCKET, arn=arn, id=name, name=name, data=data)


def _location(ctx: CollectContext, name: str, errors: dict[str, str]) -> str | None:
    """GetBucketLocation answers None for us-east-1 and the legacy ``EU`` for eu-west-1."""
    resp = ctx.detail("s3", "get_bucket_location", errors, "Region", Bucket=name)
    if resp is None:
        return None
    constraint = resp.get("LocationConstraint") or "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _read(resp: Any, extract: _Extract, errors: dict[str, str], key: str) -> Any:
    if resp is None:
        return None
    try:
        return _jsonable(extract(resp))
    except (ValueError, KeyError, TypeError) as exc:
        errors[key] = f"unreadable {key}: {type(exc).__name__}: {exc}"
        return None
