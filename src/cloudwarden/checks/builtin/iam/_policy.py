"""Reading IAM policy documents as AWS evaluates them, for the identity checks.

A document's ``Statement`` may be one object or a list; ``Action``, ``Resource`` and
each principal list may be one string or a list. "Full administrator" means an
``Allow`` of every action (``"*"``, or the equivalent ``"*:*"``) on every resource
(``"*"``): nothing short of an explicit deny or a guardrail limits such a grant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.model import Resource

_EVERY_ACTION = frozenset({"*", "*:*"})


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def is_allow(statement: dict[str, Any]) -> bool:
    return str(statement.get("Effect", "")).lower() == "allow"


def sid(statement: dict[str, Any], index: int) -> str:
    return str(statement.get("Sid") or f"#{index + 1}")


def full_admin_statement(document: Any) -> str | None:
    """The Sid (or position) of the first statement granting ``*`` on ``*``, if any."""
    for index, stmt in enumerate(statements(document)):
        if not is_allow(stmt) or "NotAction" in stmt or "NotResource" in stmt:
            continue
        actions = {str(a) for a in as_list(stmt.get("Action"))}
        resources = {str(r) for r in as_list(stmt.get("Resource"))}
        if actions & _EVERY_ACTION and "*" in resources:
            return sid(stmt, index)
    return None


def default_version_document(policy: dict[str, Any]) -> Any:
    """The document of a managed policy's default version: the only one IAM evaluates."""
    default = policy.get("DefaultVersionId")
    for version in policy.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion") or version.get("VersionId") == default:
            return version.get("Document")
    return None


def inline_policies(principal: Resource) -> list[dict[str, Any]]:
    """The inline policies of a user, group or role, whatever the principal kind."""
    for key in ("UserPolicyList", "GroupPolicyList", "RolePolicyList"):
        if key in principal.data:
            return [p for p in principal.data.get(key) or [] if isinstance(p, dict)]
    return []


def attached_policy_arns(principal: Resource) -> list[str]:
    return [
        str(p.get("PolicyArn"))
        for p in principal.data.get("AttachedManagedPolicies") or []
        if isinstance(p, dict) and p.get("PolicyArn")
    ]


def admin_grants(principal: Resource, managed: dict[str, Resource]) -> Iterator[str]:
    """Each policy (inline or attached) through which ``principal`` holds full admin.

    ``managed`` maps policy ARNs to collected managed policies; an attached policy
    whose document is unknown is judged by name only for AWS's ``AdministratorAccess``.
    """
    for policy in inline_policies(principal):
        where = full_admin_statement(policy.get("PolicyDocument"))
        if where:
            yield f"inline policy {policy.get('PolicyName')} (statement {where})"
    for arn in attached_policy_arns(principal):
        found = managed.get(arn)
        document = None if found is None else default_version_document(found.data)
        if document is not None:
            where = full_admin_statement(document)
            if where:
                yield f"managed policy {arn} (statement {where})"
        elif arn.endswith(":iam::aws:policy/AdministratorAccess"):
            yield f"managed policy {arn}"
