"""Reading the policies of a collected snapshot: principals, groups, managed policies,
organisation policies and resource-based policies.

The records are those of the inventory collectors, kept as AWS returned them:
``AWS::IAM::User`` / ``Group`` / ``Role`` are items of ``GetAccountAuthorizationDetails``
(``UserPolicyList`` / ``GroupPolicyList`` / ``RolePolicyList`` with parsed
``PolicyDocument``, ``AttachedManagedPolicies``, ``GroupList``, ``PermissionsBoundary``,
``AssumeRolePolicyDocument``, ``Tags``); ``AWS::IAM::ManagedPolicy`` carries its
``PolicyVersionList`` (the evaluated version is the one with ``IsDefaultVersion``);
``AWS::Organizations::Policy`` carries its parsed ``Content`` and its ``Targets``.
This module only reads; ``cloudwarden.iam.account`` assembles policy sets from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Resource

__all__ = ["AccountDataError", "SnapshotPolicies"]

USER = "AWS::IAM::User"
GROUP = "AWS::IAM::Group"
ROLE = "AWS::IAM::Role"
MANAGED = "AWS::IAM::ManagedPolicy"
ORG_POLICY = "AWS::Organizations::Policy"
SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
# resource type → the key of ``data`` that holds its resource-based policy
RESOURCE_POLICY_KEYS = {
    "AWS::S3::Bucket": "Policy",
    "AWS::KMS::Key": "Policy",
    "AWS::Lambda::Function": "Policy",
    "AWS::SecretsManager::Secret": "ResourcePolicy",
    "AWS::SNS::Topic": "Policy",
}
_S3_RE = re.compile(r"^arn:([^:]+):s3:::([^/]+)(?:/.*)?$", re.DOTALL)
_LAMBDA_RE = re.compile(r"^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+)(?::.*)?$")
_SESSION_RE = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+$")

Document = dict[str, Any] | str


class AccountDataError(ValueError):
    """The snapshot lacks something a decision needs (an unknown principal, a managed
    policy that was not collected); the message names it."""


def _documents(items: list[dict[str, Any]] | None) -> list[Document]:
    return [item["PolicyDocument"] for item in items or [] if item.get("PolicyDocument")]


class SnapshotPolicies:
    """Indexes of one snapshot's IAM and organisation data, built once."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    @cached_property
    def _groups(self) -> dict[tuple[str, str], Resource]:
        return {
            (r.account, r.data.get("GroupName", r.name)): r for r in self.snapshot.of_type(GROUP)
        }

    @cached_property
    def _roles_by_name(self) -> dict[tuple[str, str], Resource]:
        return {(r.account, r.data.get("RoleName", r.name)): r for r in self.snapshot.of_type(ROLE)}

    @cached_property
    def _managed(self) -> dict[str, Resource]:
        return {r.arn: r for r in self.snapshot.of_type(MANAGED)}

    @cached_property
    def _org_policies(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {SCP: [], RCP: []}
        for r in self.snapshot.of_type(ORG_POLICY):
            kind = r.data.get("Type") or r.data.get("PolicySummary", {}).get("Type")
            out.setdefault(str(kind), []).append(r)
        return out

    def principals(self) -> Iterator[Resource]:
        """Every IAM user and role of the snapshot."""
        yield from self.snapshot.of_type(USER)
        yield from self.snapshot.of_type(ROLE)

    def principal(self, arn: str) -> Resource:
        """The user or role making a request; an assumed-role session maps to its role."""
        found = self.snapshot.by_arn(arn)
        if found is not None and found.type in (USER, ROLE):
            return found
        session = _SESSION_RE.match(arn)
        if session is not None:
            role = self._roles_by_name.get((session.group(2), session.group(3)))
            if role is not None:
                return role
        raise AccountDataError(f"principal {arn} is not an IAM user or role of the snapshot")

    def managed_document(self, arn: str, owner: str) -> Document:
        """The default version of a managed policy attached to ``owner``."""
        policy = self._managed.get(arn)
        if policy is None:
            raise AccountDataError(
                f"managed policy {arn} attached to {owner} is not in the snapshot"
            )
        versions = policy.data.get("PolicyVersionList") or []
        default = policy.data.get("DefaultVersionId")
        for version in versions:
            if version.get("IsDefaultVersion") or version.get("VersionId") == default:
                document: Document = version["Document"]
                return document
        raise AccountDataError(f"managed policy {arn} has no default version in the snapshot")

    def identity_documents(self, principal: Resource) -> list[Document]:
        """Inline, attached managed and (for users) group policies of a principal."""
        data = principal.data
        docs = _documents(data.get("UserPolicyList") or data.get("RolePolicyList"))
        docs += self._attached(data, principal.arn)
        for name in data.get("GroupList") or []:
            group = self._groups.get((principal.account, name))
            if group is None:
                raise AccountDataError(f"group {name} of {principal.arn} is not in the snapshot")
            docs += _documents(group.data.get("GroupPolicyList"))
            docs += self._attached(group.data, group.arn)
        return docs

    def _attached(self, data: dict[str, Any], owner: str) -> list[Document]:
        attached = data.get("AttachedManagedPolicies") or []
        return [self.managed_document(a["PolicyArn"], owner) for a in attached]

    def boundary_document(self, principal: Resource) -> Document | None:
        boundary = principal.data.get("PermissionsBoundary") or {}
        arn = boundary.get("PermissionsBoundaryArn")
        return None if not arn else self.managed_document(arn, principal.arn)

    def organization_levels(self, account: str, kind: str) -> list[list[Document]] | None:
        """Policies of ``kind`` per level of the account's path (root, each OU, the
        account), or ``None`` when the snapshot shows no organisation policies."""
        info = self.snapshot.account(account)
        policies = self._org_policies.get(kind, [])
        if info is None or not info.ou_path or not policies:
            return None
        levels: list[list[Document]] = []
        for target in (*info.ou_path, account):
            level = [p.data["Content"] for p in policies if _targets(p, target)]
            levels.append([c for c in level if c])
        return levels

    def is_management(self, account: str) -> bool:
        info = self.snapshot.account(account)
        return info is not None and info.is_management

    def resource_policy(self, resource: str, trust: bool) -> tuple[Document | None, str | None]:
        """The resource-based policy of ``resource`` and the account that owns it.

        S3 objects use their bucket's policy; a role's trust policy counts only when
        ``trust`` (the action assumes the role). Unknown resources have no policy.
        """
        s3 = _S3_RE.match(resource)
        lookup = f"arn:{s3.group(1)}:s3:::{s3.group(2)}" if s3 else resource
        lam = _LAMBDA_RE.match(lookup)
        found = self.snapshot.by_arn(lam.group(1) if lam else lookup)
        if found is None:
            return None, None
        if found.type == ROLE:
            return (found.data.get("AssumeRolePolicyDocument") if trust else None), found.account
        key = RESOURCE_POLICY_KEYS.get(found.type)
        return (found.data.get(key) if key else None), found.account


def _targets(policy: Resource, target: str) -> bool:
    return any(t.get("TargetId") == target for t in policy.data.get("Targets") or [])
