"""Collect once: run every service collector over every region of every account, in parallel.

Work is fanned out as (account, region, collector) tasks on a thread pool; each
task's resources and recorded failures are merged into one Snapshot. A fatal
failure (bad credentials, endpoint down) stops the scan with an ``AwsError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cloudwarden.aws.errors import AwsError
from cloudwarden.aws.session import (
    DEFAULT_ORG_ROLE,
    AwsContext,
    AwsOptions,
    check_region_names,
    enabled_regions,
    member_context,
    open_context,
)
from cloudwarden.inventory.api import (
    COLLECTORS,
    CallFailedError,
    CollectContext,
    Collector,
    run_collector,
)
from cloudwarden.inventory.snapshot import GLOBAL, AccountInfo, CollectionError, Snapshot
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ScanScope:
    regions: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    organization: bool = False
    org_role: str = DEFAULT_ORG_ROLE
    accounts: tuple[str, ...] = ()
    workers: int = 16


def all_collectors(services: Sequence[str] = ()) -> list[Collector]:
    load_builtin("cloudwarden.inventory.services")
    return [c for _, c in COLLECTORS.items() if not services or c.service in services]


@dataclass
class _Task:
    ctx: AwsContext
    account: str
    region: str
    collector: Collector


def collect(
    options: AwsOptions, scope: ScanScope = ScanScope(), progress: Progress | None = None
) -> Snapshot:
    """Collect a snapshot of the caller's account, or of every account of its organisation."""
    check_region_names(scope.regions)
    root = open_context(options)
    org = _describe_organization(root) if scope.organization else {}
    contexts, account_errors = _account_contexts(root, org, scope)
    accounts: list[AccountInfo] = []
    tasks: list[_Task] = []
    collectors = all_collectors(scope.services)
    for acct_id, ctx in contexts:
        regions = enabled_regions(ctx, scope.regions)
        accounts.append(_account_info(acct_id, org, regions))
        for col in collectors:
            for region in regions if col.regional else [GLOBAL]:
                tasks.append(_Task(ctx, acct_id, region, col))
    resources, errors = _run_tasks(tasks, scope.workers, progress)
    return Snapshot(
        organization=_org_summary(org),
        accounts=tuple(accounts),
        resources=tuple(resources),
        errors=tuple(account_errors + errors),
    )


def _run_tasks(
    tasks: list[_Task], workers: int, progress: Progress | None
) -> tuple[list[Resource], list[CollectionError]]:
    resources: list[Resource] = []
    errors: list[CollectionError] = []
    done = 0

    def run(task: _Task) -> tuple[list[Resource], list[CollectionError]]:
        cctx = CollectContext(aws=task.ctx, account=task.account, region=task.region)
        found = list(run_collector(task.collector, cctx))
        return found, cctx.errors

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for found, errs in pool.map(run, tasks):
            resources.extend(found)
            errors.extend(errs)
            done += 1
            if progress:
                progress(done, len(tasks))
    return resources, errors


def _describe_organization(ctx: AwsContext) -> dict[str, Any]:
    """The organisation's accounts and each one's OU path (root first)."""
    org_client = ctx.client("organizations")
    try:
        org = org_client.describe_organization()["Organization"]
        accounts = org_client.get_paginator("list_accounts").paginate()
        listed = [a for page in accounts for a in page["Accounts"]]
        roots = org_client.list_roots()["Roots"]
    except Exception as exc:
        raise AwsError(_classify(exc), "organizations (is this the management account?)") from None
    paths: dict[str, list[str]] = {}
    for root in roots:
        _walk_ous(org_client, root["Id"], [root["Id"]], paths)
    return {"org": org, "accounts": listed, "paths": paths}


def _walk_ous(client: Any, parent: str, path: list[str], paths: dict[str, list[str]]) -> None:
    for page in client.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
        for acct in page["Accounts"]:
            paths[acct["Id"]] = path
    for page in client.get_paginator("list_organizational_units_for_parent").paginate(
        ParentId=parent
    ):
        for ou in page["OrganizationalUnits"]:
            _walk_ous(client, ou["Id"], [*path, ou["Id"]], paths)


def _account_contexts(
    root: AwsContext, org: dict[str, Any], scope: ScanScope
) -> tuple[list[tuple[str, AwsContext]], list[CollectionError]]:
    if not org:
        return [(root.account_id, root)], []
    contexts: list[tuple[str, AwsContext]] = []
    errors: list[CollectionError] = []
    for acct in org["accounts"]:
        acct_id = acct["Id"]
        if acct.get("Status", "ACTIVE") != "ACTIVE" or (
            scope.accounts and acct_id not in scope.accounts
        ):
            continue
        if acct_id == root.account_id:
            contexts.append((acct_id, root))
            continue
        try:
            contexts.append((acct_id, member_context(root, acct_id, scope.org_role)))
        except AwsError as exc:
            errors.append(
                CollectionError(
                    account=acct_id,
                    region="*",
                    service="sts",
                    operation="AssumeRole",
                    code=exc.failure.code,
                    reason=exc.failure.message,
                    resource_types=tuple(t for c in all_collectors() for t in c.resource_types),
                )
            )
    return contexts, errors


def _account_info(acct_id: str, org: dict[str, Any], regions: list[str]) -> AccountInfo:
    if not org:
        return AccountInfo(id=acct_id, regions=tuple(regions))
    name = next((a.get("Name", "") for a in org["accounts"] if a["Id"] == acct_id), "")
    return AccountInfo(
        id=acct_id,
        name=name,
        is_management=org["org"].get("MasterAccountId") == acct_id,
        ou_path=tuple(org["paths"].get(acct_id, [])),
        regions=tuple(regions),
    )


def _org_summary(org: dict[str, Any]) -> dict[str, Any]:
    if not org:
        return {}
    o = org["org"]
    return {
        "id": o.get("Id", ""),
        "arn": o.get("Arn", ""),
        "management_account": o.get("MasterAccountId", ""),
        "feature_set": o.get("FeatureSet", ""),
    }


def _classify(exc: Exception) -> Any:
    from cloudwarden.aws.errors import classify

    if isinstance(exc, CallFailedError):
        return exc.failure
    return classify(exc)
