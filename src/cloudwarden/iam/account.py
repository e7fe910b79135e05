"""Account mode: decisions about the principals and resources of a collected snapshot.

For a principal and a resource, ``policies_for`` gathers what AWS evaluates ("Policy
evaluation logic"): the principal's inline and attached managed policies (the default
version) and, for an IAM user, those of its groups; its permissions boundary; the SCPs
on the path of its account (root first, each OU, then the account) unless it is the
management account; the RCPs on the path of the resource's account; and the resource's
own policy (S3 bucket policy for the bucket and its objects, KMS key policy, Lambda
function policy, Secrets Manager secret policy, SNS topic policy, and a role's trust
policy when the action assumes the role).

``AccountPolicies`` compiles each (principal, resource) policy set once and answers many
requests on the compiled fast path; ``who_can`` asks it about every user and role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cloudwarden.iam.compiled import CompiledLayer, compile_layer
from cloudwarden.iam.evaluate import CompiledPolicySet, Decision, PolicySet
from cloudwarden.iam.explain import DecisionValue
from cloudwarden.iam.logic import resource_policy_required
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.request import ContextValue, Request
from cloudwarden.iam.snapshot_policies import (
    RCP,
    SCP,
    AccountDataError,
    Document,
    SnapshotPolicies,
)
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Resource

__all__ = [
    "Access",
    "AccountDataError",
    "AccountPolicies",
    "policies_for",
    "principal_context",
    "who_can",
]

_CACHE_LIMIT = 16384


@dataclass(frozen=True, slots=True)
class Access:
    """One principal's answer for a ``who_can`` question."""

    principal: str
    decision: DecisionValue
    reason: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


class AccountPolicies:
    """The policies of one snapshot, parsed once and compiled per (principal, resource).

    ``trust`` in the cache key separates a role resource used as a trust target
    (``sts:AssumeRole``) from the same role used as an IAM resource.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.data = SnapshotPolicies(snapshot)
        self._parsed: dict[int, Policy] = {}
        self._sets: dict[tuple[str, str, bool], CompiledPolicySet] = {}
        self._layers: dict[tuple[tuple[int, ...], int | None], CompiledLayer] = {}

    def _policy(self, document: Document, where: str) -> Policy:
        key = id(document)
        hit = self._parsed.get(key)
        if hit is None:
            try:
                hit = parse_policy(document)
            except ValueError as exc:
                raise AccountDataError(f"{where}: {exc}") from None
            self._parsed[key] = hit
        return hit

    def _levels(self, levels: list[list[Document]] | None, what: str) -> list[list[Policy]] | None:
        if levels is None:
            return None
        return [[self._policy(d, what) for d in level] for level in levels]

    def policy_set(self, principal: str, resource: str, *, trust: bool = False) -> PolicySet:
        """Every policy that takes part when ``principal`` acts on ``resource``."""
        who = self.data.principal(principal)
        identity = [self._policy(d, who.arn) for d in self.data.identity_documents(who)]
        boundary = self.data.boundary_document(who)
        document, owner = self.data.resource_policy(resource, trust)
        resource_account = owner or _arn_account(resource) or who.account
        management = self.data.is_management(who.account)
        scps = None if management else self.data.organization_levels(who.account, SCP)
        return PolicySet(
            identity_policies=identity,
            resource_policy=None if document is None else self._policy(document, resource),
            resource_account=resource_account,
            permission_boundary=None if boundary is None else self._policy(boundary, who.arn),
            scps=self._levels(scps, f"SCPs of {who.account}"),
            rcps=self._levels(
                self.data.organization_levels(resource_account, RCP), f"RCPs of {resource_account}"
            ),
            principal_is_management_account=management,
            resource_is_management_account=self.data.is_management(resource_account),
        )

    def compiled(self, principal: str, resource: str, *, trust: bool = False) -> CompiledPolicySet:
        """The compiled policy set of (principal, resource), built on first use."""
        key = (principal, _policy_owner(resource), trust)
        hit = self._sets.get(key)
        if hit is None:
            policies = self.policy_set(principal, resource, trust=trust)
            hit = CompiledPolicySet(policies, self._layer)
            if len(self._sets) >= _CACHE_LIMIT:
                self._sets.clear()
            self._sets[key] = hit
        return hit

    def _layer(self, policies: Sequence[Policy], level: int | None) -> CompiledLayer:
        """Layers shared between policy sets (a principal's identity policies, an SCP
        level) are compiled once; the parsed policies they are keyed by live as long as
        this object."""
        key = (tuple(id(p) for p in policies), level)
        hit = self._layers.get(key)
        if hit is None:
            hit = self._layers[key] = compile_layer(policies, level)
        return hit

    def _request(
        self, principal: str, action: str, resource: str, context: Mapping[str, ContextValue]
    ) -> tuple[Request, CompiledPolicySet]:
        trust = resource_policy_required(action.lower(), resource) == "role_trust"
        compiled = self.compiled(principal, resource, trust=trust)
        return Request(principal, action, resource, context), compiled

    def decide(
        self,
        principal: str,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
    ) -> DecisionValue:
        """The decision alone, on the compiled fast path."""
        request, compiled = self._request(principal, action, resource, context or {})
        return compiled.decide(request)

    def evaluate(
        self,
        principal: str,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
        *,
        explain: bool = True,
    ) -> Decision:
        """The decision with its reason (and explanation)."""
        request, compiled = self._request(principal, action, resource, context or {})
        return compiled.evaluate(request, explain=explain)


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4].isdigit() else None


def _policy_owner(resource: str) -> str:
    """Resources that share one resource policy share a compiled set (S3 objects of one
    bucket); others are keyed by their ARN."""
    if resource.startswith("arn:") and ":s3:::" in resource:
        return resource.split("/", 1)[0]
    return resource


def policies_for(snapshot: Snapshot, principal_arn: str, resource_arn: str) -> PolicySet:
    """The ``PolicySet`` AWS evaluates when ``principal_arn`` acts on ``resource_arn``.

    A role's trust policy is included when the resource is a role (it only matters for
    ``sts:AssumeRole`` and the other trust actions, whose statements it names).
    """
    trust = ":role/" in resource_arn and ":iam::" in resource_arn
    return AccountPolicies(snapshot).policy_set(principal_arn, resource_arn, trust=trust)


def principal_context(snapshot: Snapshot, principal_arn: str) -> dict[str, ContextValue]:
    """Context keys AWS derives from the principal's record: ``aws:PrincipalTag/…`` and,
    in an organisation, ``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` ("AWS global
    condition context keys")."""
    who = SnapshotPolicies(snapshot).principal(principal_arn)
    return _principal_context(snapshot, who)


def _principal_context(snapshot: Snapshot, who: Resource) -> dict[str, ContextValue]:
    out: dict[str, ContextValue] = {}
    for tag in who.data.get("Tags") or []:
        out[f"aws:PrincipalTag/{tag['Key']}"] = str(tag["Value"])
    org = snapshot.organization.get("id")
    info = snapshot.account(who.account)
    if org and info is not None and info.ou_path:
        out["aws:PrincipalOrgID"] = str(org)
        out["aws:PrincipalOrgPaths"] = ["/".join((str(org), *info.ou_path)) + "/"]
    return out


def who_can(
    snapshot: Snapshot,
    action: str,
    resource: str,
    *,
    include_denied: bool = False,
    accounts: AccountPolicies | None = None,
) -> list[Access]:
    """Which users and roles of ``snapshot`` may perform ``action`` on ``resource``.

    Each principal is asked with the context AWS derives from its record
    (``principal_context``); roles are asked as sessions of the role. Principals outside
    the snapshot (other accounts, services, anonymous callers named in a resource policy)
    are not listed. Sorted by principal ARN; denied principals only with
    ``include_denied``.
    """
    accounts = accounts or AccountPolicies(snapshot)
    out: list[Access] = []
    for who in sorted(accounts.data.principals(), key=lambda r: r.arn):
        context = _principal_context(snapshot, who)
        decision = accounts.evaluate(who.arn, action, resource, context, explain=False)
        if include_denied or decision.allowed:
            out.append(Access(who.arn, decision.decision, decision.reason))
    return out
