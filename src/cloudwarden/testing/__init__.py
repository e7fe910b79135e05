"""Test seams cloudwarden ships: build snapshots in memory, with no AWS and no patching."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, AccountInfo, CollectionError, Snapshot
from cloudwarden.model import Finding, Resource

__all__ = ["ACCOUNT", "REGION", "findings_for", "make_resource", "make_snapshot"]

ACCOUNT = "123456789012"
REGION = "us-east-1"


def make_resource(
    rtype: str,
    arn: str,
    data: dict[str, Any] | None = None,
    *,
    account: str = ACCOUNT,
    region: str = REGION,
    name: str = "",
) -> Resource:
    rid = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return Resource(
        arn=arn,
        type=rtype,
        account=account,
        region=region,
        id=rid,
        name=name or rid,
        data=data or {},
    )


def make_snapshot(
    resources: Iterable[Resource] = (),
    *,
    accounts: Iterable[str] = (ACCOUNT,),
    regions: Iterable[str] = (REGION,),
    errors: Iterable[CollectionError] = (),
    organization: dict[str, Any] | None = None,
) -> Snapshot:
    regs = tuple(regions)
    return Snapshot(
        accounts=tuple(AccountInfo(id=a, regions=regs) for a in accounts),
        resources=tuple(resources),
        errors=tuple(errors),
        organization=organization or {},
    )


def findings_for(snapshot: Snapshot, check_id: str) -> list[Finding]:
    """Run one check by id over ``snapshot``."""
    from cloudwarden.checks.runner import all_checks, run_check

    chk = next(c for c in all_checks() if c.id == check_id)
    return run_check(snapshot, chk)


def collection_error(
    rtype: str, *, account: str = ACCOUNT, region: str = GLOBAL, code: str = "AccessDenied"
) -> CollectionError:
    return CollectionError(
        account=account,
        region=region,
        service=rtype.split("::")[1].lower(),
        operation="List",
        code=code,
        reason="User is not authorized",
        resource_types=(rtype,),
    )
