"""What a collected trail records, read the way CloudTrail applies its settings.

Shared by the CloudTrail checks and the CIS monitoring checks in ``logs``.

Event selectors: a trail with no custom selectors (``HasCustomEventSelectors`` false)
records all management events, read and write, and no data events. Classic
selectors say ``ReadWriteType`` (All / ReadOnly / WriteOnly) and
``IncludeManagementEvents``; advanced selectors say ``eventCategory`` and may narrow
with ``readOnly`` and other fields. Settings spread over several selectors add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cloudwarden.checks.api import CheckContext
from cloudwarden.model import Resource

TRAIL = "AWS::CloudTrail::Trail"
BUCKET = "AWS::S3::Bucket"
ACCOUNT_BLOCK = "AWS::S3::AccountPublicAccessBlock"
READ_WRITE = frozenset({"read", "write"})
_ALL_BUCKETS = {"arn:aws:s3", "arn:aws:s3:::", "arn:aws-cn:s3", "arn:aws-us-gov:s3"}
_ACCESS = {"All": READ_WRITE, "ReadOnly": frozenset({"read"}), "WriteOnly": frozenset({"write"})}


def owned(trail: Resource) -> bool:
    """False for an organisation trail seen from a member account (its owner reports it)."""
    parts = trail.arn.split(":")
    return len(parts) > 4 and parts[4] == trail.account


def is_logging(trail: Resource) -> bool | None:
    status = trail.data.get("TrailStatus")
    return None if status is None else bool(status.get("IsLogging"))


def selectors_known(trail: Resource) -> bool:
    return trail.data.get("EventSelectors") is not None or not _custom(trail)


def _custom(trail: Resource) -> bool:
    return bool(trail.data.get("HasCustomEventSelectors")) or bool(
        trail.data.get("EventSelectors") or trail.data.get("AdvancedEventSelectors")
    )


def management_access(trail: Resource) -> frozenset[str]:
    """Which management events the trail records: {"read", "write"}, one of them, or none."""
    if not _custom(trail):
        return READ_WRITE
    found: set[str] = set()
    for sel in trail.data.get("EventSelectors") or []:
        if sel.get("IncludeManagementEvents", True):
            found |= _ACCESS.get(sel.get("ReadWriteType", "All"), frozenset())
    for sel in trail.data.get("AdvancedEventSelectors") or []:
        fields = _fields(sel)
        if fields.get("eventCategory") == ["Management"]:
            found |= _advanced_access(fields, allowed={"eventCategory", "readOnly"})
    return frozenset(found)


def s3_data_access(trail: Resource) -> frozenset[str]:
    """Which S3 object-level events the trail records for every bucket."""
    found: set[str] = set()
    for sel in trail.data.get("EventSelectors") or []:
        for res in sel.get("DataResources", []):
            if res.get("Type") == "AWS::S3::Object" and _ALL_BUCKETS & set(res.get("Values", [])):
                found |= _ACCESS.get(sel.get("ReadWriteType", "All"), frozenset())
    for sel in trail.data.get("AdvancedEventSelectors") or []:
        fields = _fields(sel)
        if fields.get("eventCategory") == ["Data"] and fields.get("resources.type") == [
            "AWS::S3::Object"
        ]:
            found |= _advanced_access(
                fields, allowed={"eventCategory", "resources.type", "readOnly"}
            )
    return frozenset(found)


def _fields(selector: dict[str, Any]) -> dict[str, list[str] | None]:
    """Field -> its ``Equals`` values; a field narrowed any other way maps to None."""
    out: dict[str, list[str] | None] = {}
    for fs in selector.get("FieldSelectors", []):
        ops = {k for k in fs if k != "Field"}
        out[fs["Field"]] = list(fs["Equals"]) if ops == {"Equals"} else None
    return out


def _advanced_access(fields: dict[str, list[str] | None], allowed: set[str]) -> frozenset[str]:
    """Any field beyond ``allowed`` (eventName, resources.ARN, ...) records only a subset."""
    if set(fields) - allowed:
        return frozenset()
    read_only = fields.get("readOnly", ["true", "false"])
    if read_only is None:
        return frozenset()
    values = {v.lower() for v in read_only}
    return frozenset(
        kind for kind, flag in (("read", "true"), ("write", "false")) if flag in values
    )


def is_account_wide(trail: Resource) -> bool:
    """Logging, multi-region and recording all management events, read and write."""
    return (
        bool(trail.data.get("IsMultiRegionTrail"))
        and is_logging(trail) is True
        and management_access(trail) == READ_WRITE
    )


def shortfall(trail: Resource) -> str:
    """Why a trail is not account-wide, in words, for a result's reason."""
    name = trail.name
    if not trail.data.get("IsMultiRegionTrail"):
        return f"trail {name} records only {trail.region}"
    if is_logging(trail) is None:
        return f"status of trail {name} unknown ({_error(trail, 'TrailStatus')})"
    if not is_logging(trail):
        return f"trail {name} is not logging"
    if not selectors_known(trail):
        return f"event selectors of trail {name} unknown ({_error(trail, 'EventSelectors')})"
    got = sorted(management_access(trail)) or ["no"]
    return f"trail {name} records {'/'.join(got)} management events, not read and write"


def _error(resource: Resource, key: str) -> str:
    return str(resource.data.get("_errors", {}).get(key, "not collected"))


def unknown_parts(trails: Iterable[Resource]) -> list[str]:
    """Multi-region trails whose status or selectors could not be read."""
    return [
        shortfall(t)
        for t in trails
        if t.data.get("IsMultiRegionTrail") and (is_logging(t) is None or not selectors_known(t))
    ]


def collection_gap(ctx: CheckContext, account: str, types: Iterable[str]) -> str | None:
    """The first recorded collection failure of ``types`` in any region of ``account``.

    Account-wide checks read regional data: a region that could not be read could
    hold the trail or alarm that would make the account compliant.
    """
    wanted = set(types)
    for err in ctx.snapshot.errors:
        if err.account == account and wanted & set(err.resource_types):
            return f"{err.service}:{err.operation} failed in {err.region}: {err.code}"
    return None


def trail_bucket(ctx: CheckContext, trail: Resource) -> Resource | None:
    name = trail.data.get("S3BucketName", "")
    return ctx.snapshot.by_arn(f"arn:{ctx.snapshot.partition}:s3:::{name}") if name else None


def bucket_unknown(trail: Resource, bucket: Resource | None, keys: Iterable[str]) -> str | None:
    """Why the trail's bucket cannot be judged, or None when its ``keys`` were collected."""
    name = trail.data.get("S3BucketName")
    if not name:
        return f"trail {trail.name} names no S3 bucket"
    if bucket is None:
        return f"bucket {name} of trail {trail.name} is not in the snapshot (another account?)"
    errors = bucket.data.get("_errors", {})
    missing = [f"{k}: {errors[k]}" for k in keys if k in errors]
    return f"bucket {name}: {'; '.join(missing)}" if missing else None
