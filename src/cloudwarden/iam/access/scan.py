"""External access over a whole snapshot: every resource that has a resource policy.

Resource policies are read where the inventory keeps them: S3 bucket policy, ACL and
Block Public Access (``cloudwarden.iam.access.s3``); the KMS key policy, SNS topic
policy and Lambda function policy (``Policy``); the Secrets Manager resource policy
(``ResourcePolicy``); a role's trust policy (``AssumeRolePolicyDocument``); and the SQS
queue and ECR repository policies, which their collectors keep parsed as ``Policy``
(the ``Attributes.Policy`` / ``RepositoryPolicyText`` text the APIs return is read too,
for snapshots built elsewhere). The resource account's RCPs take part; the
organisation comes from the snapshot's organisation data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cloudwarden.iam.access.external import (
    RESOURCE_TYPES,
    Organization,
    ResourceAccess,
    analyse_policy,
)
from cloudwarden.iam.access.findings import access_findings, unused_findings
from cloudwarden.iam.access.s3 import analyse_bucket
from cloudwarden.iam.access.unused import DEFAULT_DAYS, UnusedAccess, unused_access
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.snapshot_policies import RCP, SnapshotPolicies
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Finding, Resource

__all__ = ["AccessAnalysis", "analyse_snapshot", "external_access", "organization_of"]

_ACCOUNT_BLOCK = "AWS::S3::AccountPublicAccessBlock"
_POLICY_KEYS = ("Policy", "ResourcePolicy", "AssumeRolePolicyDocument", "RepositoryPolicyText")


def organization_of(snapshot: Snapshot) -> Organization:
    """The organisation id, its member accounts and their ``aws:PrincipalOrgPaths``."""
    org_id = snapshot.organization.get("id") or None
    members = {a.id for a in snapshot.accounts if a.ou_path}
    members |= {
        str(r.data.get("Id") or r.id) for r in snapshot.of_type("AWS::Organizations::Account")
    }
    paths = {
        a.id: "/".join((str(org_id), *a.ou_path)) + "/" for a in snapshot.accounts if a.ou_path
    }
    return Organization(org_id, frozenset(members) if org_id else frozenset(), paths)


def _document(resource: Resource) -> tuple[Any, str | None]:
    """The resource's policy document (decoded), and the key it was read from."""
    data = resource.data
    attributes = data.get("Attributes")
    sources = [(k, data.get(k)) for k in _POLICY_KEYS]
    if isinstance(attributes, dict):
        sources.append(("Policy", attributes.get("Policy")))
    for key, value in sources:
        if value:
            if isinstance(value, str):
                try:
                    return json.loads(value), key
                except ValueError:
                    return value, key
            return value, key
    return None, None


def external_access(snapshot: Snapshot) -> list[ResourceAccess]:
    """One ``ResourceAccess`` per bucket, and per other resource that has a policy."""
    org = organization_of(snapshot)
    data = SnapshotPolicies(snapshot)
    rcp_cache: dict[str, Sequence[Sequence[Policy]] | None] = {}

    def rcps(account: str) -> Sequence[Sequence[Policy]] | None:
        if account not in rcp_cache:
            levels = data.organization_levels(account, RCP)
            rcp_cache[account] = (
                None if levels is None else [[parse_policy(d) for d in lvl] for lvl in levels]
            )
        return rcp_cache[account]

    blocks = {r.account: r for r in snapshot.of_type(_ACCOUNT_BLOCK)}
    out: list[ResourceAccess] = []
    for rtype in RESOURCE_TYPES:
        for resource in sorted(snapshot.of_type(rtype), key=lambda r: r.arn):
            if rtype == "AWS::S3::Bucket":
                block = blocks.get(resource.account)
                out.append(analyse_bucket(
                    resource,
                    account_block=(block.data.get("PublicAccessBlockConfiguration") if block else None),
                    account_block_known=block is not None and "_errors" not in block.data,
                    organization=org, rcps=rcps(resource.account),
                ))  # fmt: skip
                continue
            found = _one(
                resource, org, rcps(resource.account), data.is_management(resource.account)
            )
            if found is not None:
                out.append(found)
    return out


def _one(
    resource: Resource,
    org: Organization,
    rcps: Sequence[Sequence[Policy]] | None,
    management: bool,
) -> ResourceAccess | None:
    document, _key = _document(resource)
    errors = resource.data.get("_errors") or {}
    failed = next((errors[k] for k in ("Policy", "ResourcePolicy") if k in errors), None)
    if document is None:
        if failed is None:
            return None
        return ResourceAccess(resource.arn, resource.type, resource.account, resource.region,
                              unknown=(f"the resource policy was not collected: {failed}",))  # fmt: skip
    result = analyse_policy(document, arn=resource.arn, resource_type=resource.type,
                            account=resource.account, region=resource.region,
                            organization=org, rcps=rcps,
                            resource_is_management_account=management)  # fmt: skip
    if resource.type == "AWS::IAM::Role":
        # A service assumes a role only when a principal of the role's account passes it
        # (iam:PassRole), so a service in a trust policy is not an outside door.
        kept = tuple(a for a in result.accesses if not a.grantee.startswith("service "))
        result = replace(result, accesses=kept)
    return result


@dataclass(frozen=True, slots=True)
class AccessAnalysis:
    """External and unused access of one snapshot, and their findings."""

    external: tuple[ResourceAccess, ...]
    unused: tuple[UnusedAccess, ...]
    days: int
    observed_at: datetime

    def findings(self) -> list[Finding]:
        return [
            *access_findings(self.external, self.observed_at),
            *unused_findings(self.unused, self.days, self.observed_at),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "external": [r.to_dict() for r in self.external],
            "unused": [u.to_dict() for u in self.unused],
            "unused_days": self.days,
        }


def analyse_snapshot(snapshot: Snapshot, days: int = DEFAULT_DAYS) -> AccessAnalysis:
    """External access of every resource with a policy, and unused access, at once."""
    return AccessAnalysis(
        tuple(external_access(snapshot)),
        tuple(unused_access(snapshot, days)),
        days,
        snapshot.created_at,
    )
