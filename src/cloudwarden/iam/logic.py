"""The decision table shared by the fast path and the explained path.

``layer_notes`` says which policy types take part in a request (and why the others do
not); ``combine`` turns the per-layer results into the final decision once no explicit
Deny and no SCP gap was found. See ``cloudwarden.iam.evaluate`` for the AWS rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudwarden.iam.explain import DecisionValue
from cloudwarden.iam.matching import GrantKind
from cloudwarden.iam.principals import PrincipalInfo, PrincipalKind

__all__ = [
    "LAYERS",
    "LayerFlags",
    "Results",
    "combine",
    "layer_notes",
    "resource_policy_required",
]

LAYERS = ("scp", "rcp", "resource", "identity", "boundary", "session")
KMS_KEY = "kms_key"
ROLE_TRUST = "role_trust"
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
_KMS_KEY_RE = re.compile(r"^arn:[^:]+:kms:[^:]*:\d{12}:key/")
_ROLE_RE = re.compile(r"^arn:[^:]+:iam::\d{12}:role/")
_REQUIRED_GAP = {
    KMS_KEY: "the KMS key policy must allow the principal or its account",
    ROLE_TRUST: "the role trust policy must allow the principal or its account",
}


def resource_policy_required(action: str, resource: str) -> str | None:
    """Whether the resource's own policy must allow even within one account.

    "Policy evaluation logic": "IAM role trust policies and KMS key policies are exceptions
    to this logic, because they must explicitly allow access for principals." AWS KMS
    Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows
    it, you cannot use IAM policies to allow access to a KMS key." ``action`` is
    lower-cased; returns ``"kms_key"``, ``"role_trust"`` or ``None``.
    """
    if action.startswith("kms:") and _KMS_KEY_RE.match(resource):
        return KMS_KEY
    if action in _TRUST_ACTIONS and _ROLE_RE.match(resource):
        return ROLE_TRUST
    return None


@dataclass(frozen=True, slots=True)
class LayerFlags:
    """Which policy types a policy set has and how its organisation is configured."""

    has_scps: bool
    has_rcps: bool
    has_resource: bool
    has_boundary: bool
    has_session: bool
    principal_is_management_account: bool
    resource_is_management_account: bool | None
    rcp_services: frozenset[str]


def _scp_note(flags: LayerFlags, who: PrincipalInfo) -> str | None:
    if not flags.has_scps:
        return "not in an organisation"
    if not who.is_iam:
        return "SCPs apply only to principals of the organisation's accounts"
    if flags.principal_is_management_account:
        return "principals of the management account are not subject to SCPs"
    if who.is_service_linked_role:
        return "service-linked roles are not subject to SCPs"
    return None


def _rcp_note(
    flags: LayerFlags, who: PrincipalInfo, same_account: bool, service: str
) -> str | None:
    in_management = flags.resource_is_management_account
    if in_management is None:
        in_management = flags.principal_is_management_account and same_account
    if not flags.has_rcps:
        return "not in an organisation"
    if in_management:
        return "RCPs do not apply to resources of the management account"
    if service not in flags.rcp_services:
        return "the service does not support RCPs"
    if who.is_service_linked_role:
        return "service-linked roles are not restricted by RCPs"
    return None


def _principal_notes(flags: LayerFlags, who: PrincipalInfo) -> dict[str, str]:
    notes: dict[str, str] = {}
    if who.kind is PrincipalKind.ROOT:
        notes["identity"] = "the root user is not limited by identity-based policies"
    elif not who.is_iam:
        notes["identity"] = "this principal type has no identity-based policies"
    limited = who.is_iam and who.kind is not PrincipalKind.ROOT
    if not flags.has_boundary:
        notes["boundary"] = "no permissions boundary"
    elif not limited:
        notes["boundary"] = "boundaries apply to IAM users and roles only"
    if not flags.has_session:
        notes["session"] = "no session policy"
    elif not who.is_session:
        notes["session"] = "session policies apply to role and federated sessions"
    return notes


def layer_notes(
    flags: LayerFlags, who: PrincipalInfo, same_account: bool, service: str
) -> dict[str, str]:
    """For each layer that takes no part in this request, the reason why."""
    notes = _principal_notes(flags, who)
    scp = _scp_note(flags, who)
    if scp is not None:
        notes["scp"] = scp
    rcp = _rcp_note(flags, who, same_account, service)
    if rcp is not None:
        notes["rcp"] = rcp
    if not flags.has_resource:
        notes["resource"] = "no resource-based policy"
    return notes


@dataclass(frozen=True, slots=True)
class Results:
    """Allow results of the layers; ``None`` where a layer takes no part. ``required``
    names the resource policy that must allow within one account (KMS key, role trust)."""

    grant: GrantKind | None
    identity: bool
    boundary: bool | None
    session: bool | None
    required: str | None = None


def _identity_gap(who: PrincipalInfo, r: Results) -> str | None:
    if not r.identity:
        return "no identity-based policy allows"
    return _limit_gap(who, r)


def _limit_gap(who: PrincipalInfo, r: Results) -> str | None:
    if r.boundary is False:
        return "the permissions boundary does not allow"
    if r.session is False:
        return "the session policy does not allow"
    if r.session is None and who.kind is PrincipalKind.FEDERATED_USER:
        return "a federated user session needs a session policy that allows"
    return None


def _required_gap(who: PrincipalInfo, same_account: bool, r: Results) -> str | None:
    """Why a KMS key policy or role trust policy stops a same-account request, if it does.

    The root user is no exception for KMS keys ("No AWS principal, including the account
    root user ... has any permissions to a KMS key unless they are explicitly allowed ...
    in a key policy"), and cannot assume a role at all (AWS STS API Reference,
    AssumeRole: "You cannot use AWS account root user credentials to call AssumeRole").
    """
    if r.required is None or not same_account:
        return None
    if r.required == ROLE_TRUST and who.kind is PrincipalKind.ROOT:
        return "the root user cannot assume a role"
    return _REQUIRED_GAP[r.required] if r.grant is None else None


def combine(who: PrincipalInfo, same_account: bool, r: Results) -> tuple[DecisionValue, str]:
    """The decision when no Deny applied and every SCP level allowed."""
    if not who.is_iam:
        if r.grant is not None:
            return "allowed", "allowed by the resource-based policy"
        return "implicit_deny", "no resource-based policy allows this principal"
    required = _required_gap(who, same_account, r)
    if required is not None:
        return "implicit_deny", required
    if who.kind is PrincipalKind.ROOT:
        if same_account:
            return "allowed", "the root user has full access to its own account"
        if r.grant is None:
            return "implicit_deny", "cross-account request: no resource-based policy allows"
        return "allowed", "cross-account request by a root user allowed by the resource policy"
    gap = _identity_gap(who, r)
    if not same_account:
        if gap is not None:
            return "implicit_deny", f"cross-account request: {gap}"
        if r.grant is None:
            return "implicit_deny", "cross-account request: no resource-based policy allows"
        return "allowed", "cross-account request allowed by both accounts' policies"
    if r.grant is GrantKind.DIRECT:
        return "allowed", "the resource-based policy names this principal (or everyone)"
    limit = _limit_gap(who, r)
    if r.grant is GrantKind.ROLE and limit is None:
        return "allowed", "the resource-based policy names the principal's role"
    if gap is None:
        return "allowed", "allowed by the identity-based policies"
    if r.grant is GrantKind.ROLE:
        return "implicit_deny", f"the resource-based grant to the role is limited: {limit}"
    return "implicit_deny", gap
