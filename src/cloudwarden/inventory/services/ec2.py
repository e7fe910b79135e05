"""EC2 compute and storage: instances, EBS volumes, snapshots, AMIs, EBS default encryption.

Each resource type is listed in its own guarded section, so a denied
``DescribeSnapshots`` marks only snapshots as not collected and instances are still
assessed. Instance user data is read with ``DescribeInstanceAttribute`` and scanned
for secret-looking values here, at collection time: the snapshot keeps only what was
found (pattern, line, redacted excerpt), never the user data itself.

The helpers at the top (:func:`guarded`, :func:`jsonable`, :func:`optional_list`) are
shared with the VPC, ELBv2 and WAFv2 collectors.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.inventory.secret_scan import scan_text
from cloudwarden.model import Resource

INSTANCE = "AWS::EC2::Instance"
VOLUME = "AWS::EC2::Volume"
SNAPSHOT = "AWS::EC2::Snapshot"
IMAGE = "AWS::EC2::Image"
EBS_DEFAULT_ENCRYPTION = "AWS::EC2::EbsDefaultEncryption"

Section = Callable[[CollectContext], Iterable[Resource]]


# -- helpers shared by the network collectors --------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO-8601 strings and boto3's ``ResponseMetadata`` dropped."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    return json.loads(json.dumps(value, default=_json_default))


def guarded(ctx: CollectContext, rtypes: tuple[str, ...], section: Section) -> Iterator[Resource]:
    """Run one section of a collector; a failed listing call records ``rtypes`` only.

    The collector framework would record a failure against every type of the
    collector; isolating sections keeps, say, instances assessable when snapshots
    cannot be listed.
    """
    try:
        yield from section(ctx)
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, rtypes)


def optional_list(
    ctx: CollectContext, service: str, operation: str, key: str, errors: dict[str, str], **kw: Any
) -> list[Any] | None:
    """A paginated listing whose failure is a detail (``errors[key]``), not a lost scope."""
    try:
        return ctx.paginate(service, operation, key, **kw)
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        errors[key] = f"{service}:{operation}: {exc.failure.line()}"
        return None


def with_errors(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    if errors:
        data["_errors"] = dict(errors)
    return data


# -- user data -----------------------------------------------------------------------


def user_data_summary(encoded: str | None) -> dict[str, Any]:
    """What the check needs to know about user data, without the user data itself."""
    if not encoded:
        return {"Present": False, "Bytes": 0, "Secrets": []}
    try:
        raw = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return {"Present": True, "Bytes": len(encoded), "Encoding": "undecodable", "Secrets": []}
    encoding = "text"
    if raw[:2] == b"\x1f\x8b":  # cloud-init accepts gzip-compressed user data
        try:
            raw = gzip.decompress(raw)
            encoding = "gzip"
        except (OSError, EOFError):
            return {"Present": True, "Bytes": len(raw), "Encoding": "undecodable", "Secrets": []}
    hits = scan_text(raw.decode("utf-8", errors="replace"))
    secrets = [{"Pattern": h.pattern, "Line": h.line, "Excerpt": h.excerpt} for h in hits]
    return {"Present": True, "Bytes": len(raw), "Encoding": encoding, "Secrets": secrets}


# -- sections --------------------------------------------------------------------------


def _instances(ctx: CollectContext) -> Iterator[Resource]:
    for reservation in ctx.paginate("ec2", "describe_instances", "Reservations"):
        for item in reservation.get("Instances", []):
            yield _instance(ctx, item)


def _instance(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    iid = item["InstanceId"]
    errors: dict[str, str] = {}
    data = jsonable(item)
    if item.get("State", {}).get("Name") != "terminated":  # terminated: nothing left to read
        resp = ctx.detail(
            "ec2",
            "describe_instance_attribute",
            errors,
            "UserData",
            InstanceId=iid,
            Attribute="userData",
        )
        if resp is not None:
            data["UserData"] = user_data_summary(resp.get("UserData", {}).get("Value"))
    return ctx.resource(
        INSTANCE,
        arn=ctx.arn("ec2", f"instance/{iid}"),
        id=iid,
        name=_tag_name(item) or iid,
        data=with_errors(data, errors),
    )


def _volumes(ctx: CollectContext) -> Iterator[Resource]:
    for item in ctx.paginate("ec2", "describe_volumes", "Volumes"):
        vid = item["VolumeId"]
        yield ctx.resource(
            VOLUME,
            arn=ctx.arn("ec2", f"volume/{vid}"),
            id=vid,
            name=_tag_name(item) or vid,
            data=jsonable(item),
        )


def _snapshots(ctx: CollectContext) -> Iterator[Resource]:
    """Snapshots this account owns, each with who may create volumes from it.

    The ``owner-id`` filter says the same as ``OwnerIds=["self"]``; it is added (and
    ``OwnerId`` re-checked) because moto ignores ``OwnerIds`` and would return the
    snapshots behind every public Amazon AMI.
    """
    mine = [{"Name": "owner-id", "Values": [ctx.account]}]
    listed = ctx.paginate("ec2", "describe_snapshots", "Snapshots", OwnerIds=["self"], Filters=mine)
    for item in listed:
        if item.get("OwnerId", ctx.account) != ctx.account:
            continue
        sid = item["SnapshotId"]
        errors: dict[str, str] = {}
        data = jsonable(item)
        resp = ctx.detail(
            "ec2",
            "describe_snapshot_attribute",
            errors,
            "CreateVolumePermissions",
            SnapshotId=sid,
            Attribute="createVolumePermission",
        )
        if resp is not None:
            data["CreateVolumePermissions"] = jsonable(resp.get("CreateVolumePermissions", []))
        yield ctx.resource(
            SNAPSHOT,
            arn=f"arn:{ctx.partition}:ec2:{ctx.api_region}::snapshot/{sid}",
            id=sid,
            name=_tag_name(item) or sid,
            data=with_errors(data, errors),
        )


def _images(ctx: CollectContext) -> Iterator[Resource]:
    for item in ctx.paginate("ec2", "describe_images", "Images", Owners=["self"]):
        if item.get("OwnerId", ctx.account) != ctx.account:
            continue
        image_id = item["ImageId"]
        errors: dict[str, str] = {}
        data = jsonable(item)
        resp = ctx.detail(
            "ec2",
            "describe_image_attribute",
            errors,
            "LaunchPermissions",
            ImageId=image_id,
            Attribute="launchPermission",
        )
        if resp is not None:
            data["LaunchPermissions"] = jsonable(resp.get("LaunchPermissions", []))
        yield ctx.resource(
            IMAGE,
            arn=f"arn:{ctx.partition}:ec2:{ctx.api_region}::image/{image_id}",
            id=image_id,
            name=item.get("Name") or image_id,
            data=with_errors(data, errors),
        )


def _ebs_default_encryption(ctx: CollectContext) -> Iterator[Resource]:
    """One record per account and region, named like a region-scope result."""
    resp = ctx.call("ec2", "get_ebs_encryption_by_default")
    arn = ctx.arn("ec2", "account")
    yield ctx.resource(
        EBS_DEFAULT_ENCRYPTION,
        arn=arn,
        id=f"{ctx.account}/{ctx.api_region}",
        name=f"EBS default encryption ({ctx.api_region})",
        data=jsonable(resp),
    )


def _tag_name(item: dict[str, Any]) -> str:
    return next((str(t["Value"]) for t in item.get("Tags") or [] if t.get("Key") == "Name"), "")


@collector(
    service="ec2",
    resource_types=(INSTANCE, VOLUME, SNAPSHOT, IMAGE, EBS_DEFAULT_ENCRYPTION),
    permissions=(
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeVolumes",
        "ec2:DescribeSnapshots",
        "ec2:DescribeSnapshotAttribute",
        "ec2:DescribeImages",
        "ec2:DescribeImageAttribute",
        "ec2:GetEbsEncryptionByDefault",
    ),
    regional=True,
)
def collect_ec2(ctx: CollectContext) -> Iterator[Resource]:
    yield from guarded(ctx, (INSTANCE,), _instances)
    yield from guarded(ctx, (VOLUME,), _volumes)
    yield from guarded(ctx, (SNAPSHOT,), _snapshots)
    yield from guarded(ctx, (IMAGE,), _images)
    yield from guarded(ctx, (EBS_DEFAULT_ENCRYPTION,), _ebs_default_encryption)
