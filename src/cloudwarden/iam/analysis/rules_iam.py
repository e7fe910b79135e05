"""Edge rules for direct IAM manipulation (catalogue rows 1–19).

Each rule asks the engine about every permission it needs, on the very resource it
would act on: the policy attached to the principal, the target user, group or role.
"Makes an admin" is decided on a hypothetical policy set: the principal's own policies
plus what the attacker would write (``*`` on ``*``, or an older version, or a group's
policies), within its permissions boundary and SCPs — a boundary that caps the
principal therefore blocks the edge, as it would in AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.iam.analysis.oracle import admin_policy_arn
from cloudwarden.iam.analysis.records import ADMIN
from cloudwarden.iam.analysis.steps import Found, Step
from cloudwarden.iam.analysis.targets import Targets
from cloudwarden.iam.snapshot_policies import ROLE, USER, AccountDataError
from cloudwarden.model import Resource

__all__ = [
    "add_user_to_group",
    "assume_role",
    "attach_group_policy",
    "attach_role_policy",
    "attach_user_policy",
    "create_access_key",
    "create_admin_role",
    "create_login_profile",
    "create_policy_version",
    "escalate_role_then_trust",
    "escalate_user_then_key",
    "inline_user_then_key",
    "put_group_policy",
    "put_role_policy",
    "put_user_policy",
    "rewrite_policy_then_assume",
    "set_default_policy_version",
    "update_assume_role_policy",
    "update_login_profile",
]


def _admin_arn(t: Targets) -> dict[str, str]:
    return {"iam:PolicyARN": admin_policy_arn(t.partition)}


def _assume(role: Resource) -> Step:
    return ("sts:AssumeRole", role.arn, None)


def create_policy_version(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 1: a new default version of a customer-managed policy that applies to self."""
    o = t.oracle
    if not o.may(who, "iam:CreatePolicyVersion"):
        return
    for policy in t.customer_policies(who):
        if o.allowed(who, "iam:CreatePolicyVersion", policy.arn) and o.admin_with(who):
            step: Step = ("iam:CreatePolicyVersion", policy.arn, None)
            yield Found(ADMIN, (step,), f"new default version of {policy.name}")
            return


def set_default_policy_version(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 2: make an older version of a policy that applies to self the default."""
    o = t.oracle
    if not o.may(who, "iam:SetDefaultPolicyVersion"):
        return
    for policy in t.customer_policies(who):
        versions = t.other_versions(policy)
        if not versions or not o.allowed(who, "iam:SetDefaultPolicyVersion", policy.arn):
            continue
        if any(o.admin_with(who, [v], tag=policy.arn) for v in versions):
            step: Step = ("iam:SetDefaultPolicyVersion", policy.arn, None)
            yield Found(ADMIN, (step,), f"an older version of {policy.name}")
            return


def _other_users(t: Targets, who: Resource) -> list[Resource]:
    return [u for u in t.users(who.account) if u.arn != who.arn]


def create_access_key(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 3: access keys for another user."""
    o = t.oracle
    if not o.may(who, "iam:CreateAccessKey"):
        return
    for user in _other_users(t, who):
        if o.allowed(who, "iam:CreateAccessKey", user.arn):
            yield Found(user.arn, (("iam:CreateAccessKey", user.arn, None),))


def _login(t: Targets, who: Resource, action: str, has_profile: bool) -> Iterator[Found]:
    o = t.oracle
    if not o.may(who, action):
        return
    for user in _other_users(t, who):
        known = t.login_profile(user)
        if known is not None and known != has_profile:
            continue
        if o.allowed(who, action, user.arn):
            yield Found(user.arn, ((action, user.arn, None),))


def create_login_profile(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 4: a console password for a user that has none."""
    yield from _login(t, who, "iam:CreateLoginProfile", False)


def update_login_profile(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 5: reset another user's console password."""
    yield from _login(t, who, "iam:UpdateLoginProfile", True)


def _self_write(
    t: Targets, who: Resource, action: str, kind: str, context: dict[str, str] | None
) -> Iterator[Found]:
    """Attach / put a policy on self (user or role) or on a group of self."""
    o = t.oracle
    if not o.may(who, action):
        return
    if kind == "group":
        owners = o.user_groups(who) if who.type == USER else []
    else:
        owners = [who] if who.type == (USER if kind == "user" else ROLE) else []
    for owner in owners:
        if o.allowed(who, action, owner.arn, context) and o.admin_with(who):
            yield Found(ADMIN, ((action, owner.arn, context),))
            return


def _role_write(
    t: Targets, who: Resource, action: str, context: dict[str, str] | None
) -> Iterator[Found]:
    """Attach / put a policy on a role self can assume, then assume it."""
    o = t.oracle
    if not o.may(who, action):
        return
    for role in t.trust.assumable(who):
        if role.account != who.account:
            continue
        if o.allowed(who, action, role.arn, context) and o.admin_with(role):
            yield Found(ADMIN, ((action, role.arn, context), _assume(role)), f"as {role.name}")
            return


def attach_user_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 6: attach AdministratorAccess to self."""
    yield from _self_write(t, who, "iam:AttachUserPolicy", "user", _admin_arn(t))


def attach_group_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 7: attach AdministratorAccess to a group of self."""
    yield from _self_write(t, who, "iam:AttachGroupPolicy", "group", _admin_arn(t))


def attach_role_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 8: attach AdministratorAccess to self (a role) or to a role self can assume."""
    yield from _self_write(t, who, "iam:AttachRolePolicy", "role", _admin_arn(t))
    yield from _role_write(t, who, "iam:AttachRolePolicy", _admin_arn(t))


def put_user_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 9: an inline admin policy on self."""
    yield from _self_write(t, who, "iam:PutUserPolicy", "user", None)


def put_group_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 10: an inline admin policy on a group of self."""
    yield from _self_write(t, who, "iam:PutGroupPolicy", "group", None)


def put_role_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 11: an inline admin policy on self (a role) or on a role self can assume."""
    yield from _self_write(t, who, "iam:PutRolePolicy", "role", None)
    yield from _role_write(t, who, "iam:PutRolePolicy", None)


def _group_documents(t: Targets, group: Resource) -> list[Any]:
    data = t.oracle.accounts.data
    docs = [
        p["PolicyDocument"]
        for p in group.data.get("GroupPolicyList") or []
        if p.get("PolicyDocument")
    ]
    for attached in group.data.get("AttachedManagedPolicies") or []:
        try:
            docs.append(data.managed_document(attached["PolicyArn"], group.arn))
        except AccountDataError:
            continue
    return docs


def add_user_to_group(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 12: join a group whose policies make self an admin."""
    o = t.oracle
    if who.type != USER or not o.may(who, "iam:AddUserToGroup"):
        return
    mine = {g.arn for g in o.user_groups(who)}
    for group in t.groups(who.account):
        if group.arn in mine or not o.allowed(who, "iam:AddUserToGroup", group.arn):
            continue
        docs = _group_documents(t, group)
        if docs and o.admin_with(who, docs, tag=group.arn):
            yield Found(ADMIN, (("iam:AddUserToGroup", group.arn, None),), f"joins {group.name}")
            return


def update_assume_role_policy(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 13: rewrite a role's trust policy to name self, then assume the role."""
    o = t.oracle
    if not o.may(who, "iam:UpdateAssumeRolePolicy"):
        return
    for role in t.roles(who.account):
        if role.arn == who.arn or not o.allowed(who, "iam:UpdateAssumeRolePolicy", role.arn):
            continue
        if o.assumable_with_trust(who, role.arn, role.account):
            steps = (("iam:UpdateAssumeRolePolicy", role.arn, None), _assume(role))
            yield Found(role.arn, steps)


def assume_role(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 14: assume a role whose trust policy already admits self (any account)."""
    for role in t.trust.assumable(who):
        yield Found(role.arn, (_assume(role),))


def create_admin_role(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 15: create a role that trusts self, give it admin, assume it."""
    o = t.oracle
    if not o.may(who, "iam:CreateRole"):
        return
    arn = o.new_role_arn(who.account)
    if not o.allowed(who, "iam:CreateRole", arn):
        return
    grant: Step | None = None
    for action, context in (("iam:AttachRolePolicy", _admin_arn(t)), ("iam:PutRolePolicy", None)):
        if o.may(who, action) and o.allowed(who, action, arn, context):
            grant = (action, arn, context)
            break
    if grant is None or not o.new_role_admin(who):
        return
    if o.assumable_with_trust(who, arn, who.account):
        steps = (("iam:CreateRole", arn, None), grant, ("sts:AssumeRole", arn, None))
        yield Found(ADMIN, steps, "a new role")


def _user_then_key(
    t: Targets, who: Resource, action: str, context: dict[str, str] | None
) -> Iterator[Found]:
    o = t.oracle
    if not (o.may(who, action) and o.may(who, "iam:CreateAccessKey")):
        return
    for user in _other_users(t, who):
        if (
            o.allowed(who, action, user.arn, context)
            and o.allowed(who, "iam:CreateAccessKey", user.arn)
            and o.admin_with(user)
        ):
            steps = ((action, user.arn, context), ("iam:CreateAccessKey", user.arn, None))
            yield Found(ADMIN, steps, f"as {user.name}")
            return


def escalate_user_then_key(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 16: attach AdministratorAccess to another user, then create its access key."""
    yield from _user_then_key(t, who, "iam:AttachUserPolicy", _admin_arn(t))


def inline_user_then_key(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 17: an inline admin policy on another user, then its access key."""
    yield from _user_then_key(t, who, "iam:PutUserPolicy", None)


def rewrite_policy_then_assume(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 18: a new default version of a policy attached to a role self can assume."""
    o = t.oracle
    if not o.may(who, "iam:CreatePolicyVersion"):
        return
    for role in t.trust.assumable(who):
        for policy in t.customer_policies(role):
            if o.allowed(who, "iam:CreatePolicyVersion", policy.arn) and o.admin_with(role):
                steps = (("iam:CreatePolicyVersion", policy.arn, None), _assume(role))
                yield Found(ADMIN, steps, f"as {role.name}")
                return


def _role_grant(t: Targets, who: Resource, role: Resource) -> Step | None:
    o = t.oracle
    for action, context in (("iam:AttachRolePolicy", _admin_arn(t)), ("iam:PutRolePolicy", None)):
        if o.may(who, action) and o.allowed(who, action, role.arn, context):
            return (action, role.arn, context)
    if o.may(who, "iam:CreatePolicyVersion"):
        for policy in t.customer_policies(role):
            if o.allowed(who, "iam:CreatePolicyVersion", policy.arn):
                return ("iam:CreatePolicyVersion", policy.arn, None)
    return None


def escalate_role_then_trust(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 19: give a role admin, make it trust self, assume it."""
    o = t.oracle
    if not o.may(who, "iam:UpdateAssumeRolePolicy"):
        return
    for role in t.roles(who.account):
        if role.arn == who.arn or not o.allowed(who, "iam:UpdateAssumeRolePolicy", role.arn):
            continue
        grant = _role_grant(t, who, role)
        if grant is None or not o.admin_with(role):
            continue
        if o.assumable_with_trust(who, role.arn, role.account):
            steps = (grant, ("iam:UpdateAssumeRolePolicy", role.arn, None), _assume(role))
            yield Found(ADMIN, steps, f"as {role.name}")
            return
