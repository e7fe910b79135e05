"""Security checks: grants wider than they look. ``iam:PassRole`` and
``iam:CreateServiceLinkedRole`` on every role, Allow with NotAction / NotResource, and
write or permissions-management actions on ``*``.

Sources: "Granting a user permissions to pass a role to an AWS service", "Using
service-linked roles", "IAM JSON policy elements: NotAction / NotResource", the access
levels of the Service Authorization Reference.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.iam import catalog
from cloudwarden.iam.matching import action_matches
from cloudwarden.iam.validate.arns import arn_parts
from cloudwarden.iam.validate.model import (
    Category,
    CheckFunction,
    Issue,
    PolicyType,
    validation_check,
)
from cloudwarden.iam.validate.view import PolicyView, StatementView

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType


def _all_roles(resource: str, slr: bool) -> bool:
    if resource == "*":
        return True
    parts = arn_parts(resource)
    if parts is None or parts[2] not in ("iam", "*"):
        return False
    wide = {"*", "role/*"} | ({"role/aws-service-role/*"} if slr else set())
    return parts[5] in wide


def _grant(st: StatementView, action: str) -> str | None:
    """How the statement reaches ``action``: ``explicit``, ``star`` (a wildcard pattern)
    or ``not`` (NotAction that does not exclude it); ``None`` if it does not."""
    if st.has("Action"):
        patterns = st.values("Action")
        if any(p.lower() == action.lower() for p in patterns):
            return "explicit"
        return "star" if any(action_matches(p, action) for p in patterns) else None
    if st.has("NotAction"):
        excluded = any(action_matches(p, action) for p in st.values("NotAction"))
        return None if excluded else "not"
    return None


def _scope(st: StatementView, slr: bool) -> str | None:
    if st.has("NotResource"):
        return "notresource"
    if any(_all_roles(r, slr) for r in st.values("Resource")):
        return "star"
    return None


def _wide_grant(action: str, slr: bool, how: str, scope: str, text: str) -> CheckFunction:
    def check(view: PolicyView) -> Iterator[Issue]:
        for st in view.statements:
            if st.allow and _grant(st, action) == how and _scope(st, slr) == scope:
                key = "NotResource" if scope == "notresource" else "Resource"
                yield Issue((*st.path, key), text)

    return check


_VARIANTS = (
    ("WITH_STAR_IN_RESOURCE", "explicit", "star", "{a} on every role (Resource *)"),
    ("WITH_STAR_IN_ACTION_AND_RESOURCE", "star", "star", "a wildcard action that includes {a}, on every role"),
    ("WITH_NOTRESOURCE", "explicit", "notresource", "{a} with NotResource covers every role not listed"),
    ("WITH_STAR_IN_ACTION_AND_NOTRESOURCE", "star", "notresource", "a wildcard action that includes {a}, with NotResource"),
    ("WITH_STAR_IN_RESOURCE_AND_NOTACTION", "not", "star", "NotAction leaves {a} allowed on every role"),
    ("WITH_NOTACTION_AND_NOTRESOURCE", "not", "notresource", "NotAction and NotResource leave {a} allowed on most roles"),
)  # fmt: skip


def _register_wide_grants() -> None:
    for prefix, action, slr, category, fix, why in (
        ("PASS_ROLE", "iam:PassRole", False, SW,
         "Name the roles that may be passed (arn:aws:iam::ACCOUNT:role/NAME) and add iam:PassedToService.",
         "Passing any role lets the caller give a service more permissions than it has itself."),
        ("CREATE_SLR", "iam:CreateServiceLinkedRole", True, W,
         "Name the service-linked role path and add iam:AWSServiceName.",
         "Creating any service-linked role can switch on services and their access."),
    ):  # fmt: skip
        for suffix, how, scope, text in _VARIANTS:
            function = _wide_grant(action, slr, how, scope, text.format(a=action))
            function.__doc__ = f"Allow reaches {action}: {text.format(a=action)}. {why}"
            validation_check(f"{prefix}_{suffix}", category, fix=fix)(function)


_register_wide_grants()


@validation_check(
    "ALLOW_WITH_NOT_ACTION",
    SW,
    fix="List the allowed actions in Action instead.",
    types=(T.IDENTITY, T.RESOURCE, T.TRUST),
    aws=False,
)
def allow_with_not_action(view: PolicyView) -> Iterator[Issue]:
    """Allow with NotAction grants every action not listed, including actions of services
    that AWS adds later."""
    for st in view.statements:
        if st.allow and st.has("NotAction"):
            yield Issue(
                (*st.path, "NotAction"), "Allow with NotAction allows every action not listed"
            )


@validation_check(
    "ALLOW_WITH_NOT_RESOURCE",
    SW,
    fix="List the allowed resources in Resource instead.",
    types=(T.IDENTITY, T.RESOURCE),
    aws=False,
)
def allow_with_not_resource(view: PolicyView) -> Iterator[Issue]:
    """Allow with NotResource grants every resource not listed, in every account."""
    for st in view.statements:
        if st.allow and st.has("NotResource"):
            yield Issue(
                (*st.path, "NotResource"), "Allow with NotResource allows every resource not listed"
            )


_DEDICATED = frozenset({"iam:passrole", "iam:createservicelinkedrole"})


def _levelled(patterns: list[str], level: str) -> list[str]:
    """Actions with resource types (so ``*`` could be narrowed) at an access level."""
    out: list[str] = []
    for pattern in patterns:
        service = pattern.partition(":")[0]
        if pattern != "*" and (
            any(c in service for c in "*?") or service.lower() not in catalog.services()
        ):
            continue
        for action in catalog.expand_action(pattern):
            if action.lower() in _DEDICATED:
                continue
            info = catalog.action_info(action)
            if info.resource_types and _level(info.access_level) == level:
                out.append(action)
    return out


def _level(access: str) -> str:
    if "Permissions management" in access:
        return "permissions"
    if "Write" in access or "Tagging" in access:
        return "write"
    return access.lower()


def _sensitive(view: PolicyView, level: str, label: str) -> Iterator[Issue]:
    for st in view.statements:
        if not st.allow or st.has_condition or "*" not in st.values("Resource"):
            continue
        found = _levelled(st.values("Action"), level)
        if found:
            sample = ", ".join(sorted(set(found))[:3])
            more = f" and {len(set(found)) - 3} more" if len(set(found)) > 3 else ""
            yield Issue(
                (*st.path, "Resource"), f"{label} actions on every resource: {sample}{more}"
            )


@validation_check(
    "PERMISSIONS_MANAGEMENT_ACTION_WITH_STAR_IN_RESOURCE",
    SW,
    fix="Name the resources, or add conditions that narrow the grant.",
    types=(T.IDENTITY,),
    aws=False,
)
def permissions_management_action_with_star(view: PolicyView) -> Iterator[Issue]:
    """Permissions-management actions (the catalogue's access level) on ``*`` let the
    holder change who can do what: the usual path to privilege escalation."""
    yield from _sensitive(view, "permissions", "permissions-management")


@validation_check(
    "WRITE_ACTION_WITH_STAR_IN_RESOURCE",
    W,
    fix="Name the resources the write actions need, or add conditions.",
    types=(T.IDENTITY,),
    aws=False,
)
def write_action_with_star(view: PolicyView) -> Iterator[Issue]:
    """Write actions that support resource-level permissions, granted on ``*`` without a
    condition, reach every resource of the account."""
    yield from _sensitive(view, "write", "write")
