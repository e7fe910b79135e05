"""AWS Organizations: the organisation, its OU tree, its accounts and its SCPs / RCPs.

Any account of an organisation may call ``DescribeOrganization``, so every account
yields the ``Organization`` record: that is how a check tells "member of o-xxx" from
"not in an organisation". The structure and the policies are readable only from the
management account (or a delegated administrator), so in a member account that part
is recorded as a missing-data reason instead of being guessed. Outside an
organisation ``DescribeOrganization`` answers ``AWSOrganizationsNotInUseException``:
the collector then yields nothing, which checks read as "no organisation".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cloudwarden.aws.errors import AwsFailure, FailureKind
from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

ORGANIZATION = "AWS::Organizations::Organization"
OU = "AWS::Organizations::OrganizationalUnit"
ACCOUNT = "AWS::Organizations::Account"
POLICY = "AWS::Organizations::Policy"

POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
_NOT_IN_ORG = "AWSOrganizationsNotInUseException"


def plain(value: Any) -> Any:
    """JSON-safe copy: datetimes become ISO-8601 strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


@collector(
    service="organizations",
    resource_types=(ORGANIZATION, OU, ACCOUNT, POLICY),
    permissions=(
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
        "organizations:ListDelegatedAdministrators",
    ),
    regional=False,
)
def collect_organizations(ctx: CollectContext) -> Iterator[Resource]:
    org = _describe_organization(ctx)
    if org is None:
        return
    if org.get("MasterAccountId") != ctx.account:
        _record_member(ctx, org)
        yield _organization(ctx, org, {})
        return
    errors: dict[str, str] = {}
    roots = ctx.paginate("organizations", "list_roots", "Roots")
    structure = list(_walk(ctx, roots))
    policies = [p for ptype in POLICY_TYPES for p in _policies(ctx, ptype, errors)]
    delegated = _list_detail(
        ctx, errors, "DelegatedAdministrators", "list_delegated_administrators"
    )
    extra = {"Roots": roots, "DelegatedAdministrators": delegated}
    yield _organization(ctx, {**org, **extra}, errors)
    yield from structure
    yield from policies


def _describe_organization(ctx: CollectContext) -> dict[str, Any] | None:
    try:
        return dict(ctx.call("organizations", "describe_organization")["Organization"])
    except CallFailedError as exc:
        if exc.failure.code == _NOT_IN_ORG:
            return None
        raise


def _record_member(ctx: CollectContext, org: dict[str, Any]) -> None:
    reason = (
        f"account {ctx.account} is a member of {org.get('Id', '?')}; its OUs, accounts and "
        f"policies are readable only from the management account {org.get('MasterAccountId')}"
    )
    failure = AwsFailure(FailureKind.ACCESS_DENIED, "NotManagementAccount", reason)
    ctx.record("organizations", "ListRoots", failure, (OU, ACCOUNT, POLICY))


def _organization(ctx: CollectContext, data: dict[str, Any], errors: dict[str, str]) -> Resource:
    if errors:
        data = {**data, "_errors": errors}
    return ctx.resource(ORGANIZATION, arn=data["Arn"], id=data["Id"], data=plain(data))


def _list_detail(
    ctx: CollectContext, errors: dict[str, str], key: str, operation: str, **kwargs: Any
) -> list[Any] | None:
    """A paginated optional call: its failure goes to ``errors[key]``, not to the whole scope."""
    try:
        return ctx.paginate("organizations", operation, key, **kwargs)
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        errors[key] = f"organizations:{exc.operation}: {exc.failure.line()}"
        return None


def _walk(ctx: CollectContext, roots: list[dict[str, Any]]) -> Iterator[Resource]:
    """Every OU and account below each root, with the path of parents that leads to it."""
    pending: list[tuple[str, list[str], list[str]]] = [
        (r["Id"], [r["Id"]], [r.get("Name", "Root")]) for r in roots
    ]
    while pending:
        parent, path, names = pending.pop(0)
        where = {"ParentId": parent, "Path": path, "PathNames": names}
        for acct in ctx.paginate(
            "organizations", "list_accounts_for_parent", "Accounts", ParentId=parent
        ):
            yield ctx.resource(
                ACCOUNT,
                arn=acct["Arn"],
                id=acct["Id"],
                name=acct.get("Name", ""),
                data=plain({**acct, **where}),
            )
        for ou in ctx.paginate(
            "organizations",
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=parent,
        ):
            yield ctx.resource(
                OU,
                arn=ou["Arn"],
                id=ou["Id"],
                name=ou.get("Name", ""),
                data=plain({**ou, **where}),
            )
            pending.append((ou["Id"], [*path, ou["Id"]], [*names, ou.get("Name", ou["Id"])]))


def _policies(ctx: CollectContext, ptype: str, org_errors: dict[str, str]) -> Iterator[Resource]:
    """Policies of one type, each with its parsed ``Content`` and its ``Targets``.

    SCPs are required (their listing failing fails the scope); RCPs are newer and not
    offered everywhere, so a failure to list them is kept on the organisation record.
    """
    if ptype == "SERVICE_CONTROL_POLICY":
        items = ctx.paginate("organizations", "list_policies", "Policies", Filter=ptype)
    else:
        items = _list_detail(ctx, org_errors, ptype, "list_policies", Filter=ptype) or []
    for item in items:
        errors: dict[str, str] = {}
        detail = ctx.detail(
            "organizations", "describe_policy", errors, "Content", PolicyId=item["Id"]
        )
        content = (detail or {}).get("Policy", {}).get("Content")
        targets = _list_detail(
            ctx, errors, "Targets", "list_targets_for_policy", PolicyId=item["Id"]
        )
        data: dict[str, Any] = {**item, "Content": _parse(content), "Targets": targets}
        if errors:
            data["_errors"] = errors
        yield ctx.resource(
            POLICY, arn=item["Arn"], id=item["Id"], name=item.get("Name", ""), data=plain(data)
        )


def _parse(content: Any) -> Any:
    if not isinstance(content, str):
        return content
    try:
        return json.loads(content)
    except ValueError:
        return content
