"""RDS DB instances, and DB snapshots with who may restore them.

A manual DB snapshot is shared through its ``restore`` attribute: account ids, or
``all`` for every AWS account (public). DescribeDBSnapshots does not include the
attribute, so it is read per snapshot - except automated ones, which cannot be
shared at all. A failure listing snapshots is recorded for snapshots
only, so instance checks still run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

INSTANCE = "AWS::RDS::DBInstance"
SNAPSHOT = "AWS::RDS::DBSnapshot"


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


@collector(
    service="rds",
    resource_types=(INSTANCE, SNAPSHOT),
    permissions=(
        "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
    ),
)
def collect_rds(ctx: CollectContext) -> Iterator[Resource]:
    for inst in ctx.paginate("rds", "describe_db_instances", "DBInstances"):
        ident = str(inst["DBInstanceIdentifier"])
        arn = str(inst.get("DBInstanceArn") or ctx.arn("rds", f"db:{ident}"))
        yield ctx.resource(INSTANCE, arn=arn, id=ident, name=ident, data=_jsonable(inst))
    try:
        snapshots = ctx.paginate("rds", "describe_db_snapshots", "DBSnapshots")
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, (SNAPSHOT,))
        return
    for snap in snapshots:
        yield _snapshot(ctx, snap)


def _snapshot(ctx: CollectContext, snap: dict[str, Any]) -> Resource:
    ident = str(snap["DBSnapshotIdentifier"])
    errors: dict[str, str] = {}
    data: dict[str, Any] = _jsonable(snap)
    data["DBSnapshotAttributes"] = None
    if snap.get("SnapshotType") != "automated":
        resp = ctx.detail(
            "rds",
            "describe_db_snapshot_attributes",
            errors,
            "DBSnapshotAttributes",
            DBSnapshotIdentifier=ident,
        )
        if resp is not None:
            result = resp.get("DBSnapshotAttributesResult", {})
            data["DBSnapshotAttributes"] = _jsonable(result.get("DBSnapshotAttributes", []))
    if errors:
        data["_errors"] = errors
    arn = str(snap.get("DBSnapshotArn") or ctx.arn("rds", f"snapshot:{ident}"))
    return ctx.resource(SNAPSHOT, arn=arn, id=ident, name=ident, data=data)
