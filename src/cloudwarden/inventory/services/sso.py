"""IAM Identity Center: instances, permission sets, account assignments, and the identity store.

Identity Center lives in one region of the management account (or of a delegated
administrator); the collector calls it in the scan's default region. Assignments
are found per principal (``ListAccountAssignmentsForPrincipal`` for every user and
group of the instance's identity store), which covers every account the principal
can reach without knowing the organisation's account list.

An assignment has no ARN of its own in AWS; it is named by its permission set's ARN
extended with the target account and the principal, which keeps it unique and
traceable to the permission set that grants the access.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

INSTANCE = "AWS::SSO::Instance"
PERMISSION_SET = "AWS::SSO::PermissionSet"
ASSIGNMENT = "AWS::SSO::Assignment"
STORE_USER = "AWS::IdentityStore::User"
STORE_GROUP = "AWS::IdentityStore::Group"

_PERMISSION_SET_PARTS = (
    ("list_managed_policies_in_permission_set", "AttachedManagedPolicies"),
    (
        "list_customer_managed_policy_references_in_permission_set",
        "CustomerManagedPolicyReferences",
    ),
    ("list_accounts_for_provisioned_permission_set", "AccountIds"),
)


def plain(value: Any) -> Any:
    """JSON-safe copy: datetimes become ISO-8601 strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


@collector(
    service="sso",
    resource_types=(INSTANCE, PERMISSION_SET, ASSIGNMENT, STORE_USER, STORE_GROUP),
    permissions=(
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "sso:ListManagedPoliciesInPermissionSet",
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
        "sso:GetInlinePolicyForPermissionSet",
        "sso:ListAccountsForProvisionedPermissionSet",
        "sso:ListAccountAssignmentsForPrincipal",
        "identitystore:ListUsers",
        "identitystore:ListGroups",
    ),
    regional=False,
)
def collect_sso(ctx: CollectContext) -> Iterator[Resource]:
    for inst in ctx.paginate("sso-admin", "list_instances", "Instances"):
        instance_arn = inst["InstanceArn"]
        yield ctx.resource(
            INSTANCE,
            arn=instance_arn,
            id=instance_arn.rsplit("/", 1)[-1],
            name=inst.get("Name", ""),
            data=plain(inst),
        )
        for ps_arn in ctx.paginate(
            "sso-admin", "list_permission_sets", "PermissionSets", InstanceArn=instance_arn
        ):
            yield _permission_set(ctx, instance_arn, ps_arn)
        principals: list[tuple[str, str]] = []
        yield from _identity_store(ctx, inst["IdentityStoreId"], principals)
        yield from _assignments(ctx, instance_arn, principals)


def _permission_set(ctx: CollectContext, instance_arn: str, ps_arn: str) -> Resource:
    """The permission set with its policies and the accounts it is provisioned to."""
    errors: dict[str, str] = {}

    def detail(operation: str, key: str) -> Any:
        answer = ctx.detail(
            "sso-admin", operation, errors, key, InstanceArn=instance_arn, PermissionSetArn=ps_arn
        )
        return None if answer is None else answer.get(key)

    data: dict[str, Any] = dict(detail("describe_permission_set", "PermissionSet") or {})
    data["PermissionSetArn"] = ps_arn
    data["InstanceArn"] = instance_arn
    for operation, key in _PERMISSION_SET_PARTS:
        data[key] = detail(operation, key)
    inline = detail("get_inline_policy_for_permission_set", "InlinePolicy")
    data["InlinePolicy"] = json.loads(inline) if inline else None
    if errors:
        data["_errors"] = errors
    ps_id = ps_arn.rsplit("/", 1)[-1]
    return ctx.resource(
        PERMISSION_SET, arn=ps_arn, id=ps_id, name=data.get("Name", ps_id), data=plain(data)
    )


def _guarded(
    ctx: CollectContext, rtypes: tuple[str, ...], fetch: Callable[[], list[Any]]
) -> list[Any] | None:
    try:
        return fetch()
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, rtypes)
        return None


def _identity_store(
    ctx: CollectContext, store_id: str, principals: list[tuple[str, str]]
) -> Iterator[Resource]:
    """Users and groups; without them the assignments cannot be enumerated either."""
    for kind, rtype, operation, key, id_key in (
        ("USER", STORE_USER, "list_users", "Users", "UserId"),
        ("GROUP", STORE_GROUP, "list_groups", "Groups", "GroupId"),
    ):
        fetch = partial(ctx.paginate, "identitystore", operation, key, IdentityStoreId=store_id)
        items = _guarded(ctx, (rtype, ASSIGNMENT), fetch)
        for item in items or []:
            pid = item[id_key]
            principals.append((kind, pid))
            yield ctx.resource(
                rtype,
                arn=f"arn:{ctx.partition}:identitystore:::{kind.lower()}/{pid}",
                id=pid,
                name=item.get("UserName") or item.get("DisplayName") or pid,
                data=plain(item),
            )


def _assignments(
    ctx: CollectContext, instance_arn: str, principals: list[tuple[str, str]]
) -> Iterator[Resource]:
    for ptype, pid in principals:
        fetch = partial(
            ctx.paginate,
            "sso-admin",
            "list_account_assignments_for_principal",
            "AccountAssignments",
            InstanceArn=instance_arn,
            PrincipalId=pid,
            PrincipalType=ptype,
        )
        found = _guarded(ctx, (ASSIGNMENT,), fetch)
        if found is None:
            return
        for item in found:
            key = f"{item['AccountId']}/{item['PrincipalType']}/{item['PrincipalId']}"
            yield ctx.resource(
                ASSIGNMENT,
                arn=f"{item['PermissionSetArn']}/{key}",
                id=key,
                data=plain({**item, "InstanceArn": instance_arn}),
            )
