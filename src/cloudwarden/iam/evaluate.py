"""AWS policy evaluation logic: the decision for one request under a set of policies.

Sources (AWS IAM User Guide): "Policy evaluation logic", "How AWS enforcement code logic
evaluates requests to allow or deny access", "Cross-account policy evaluation logic",
"Permissions boundaries for IAM entities", "Session policies"; AWS Organizations User
Guide: "Service control policies (SCPs)", "Resource control policies (RCPs)".

1. An applicable Deny in any policy (SCP, RCP, resource-based, identity-based, permissions
   boundary, session policy) is final: ``explicit_deny``.
2. SCPs: every level of the principal account's path (root, each OU, the account) needs an
   applicable Allow. Principals of the management account and service-linked roles are
   not subject to SCPs; neither are principals outside AWS accounts (service principals,
   anonymous callers).
3. RCPs: the AWS-managed ``RCPFullAWSAccess`` is attached at every level and cannot be
   detached, so only the Deny statements of customer RCPs matter. RCPs do not apply to
   resources of the management account, nor to services that do not support them, nor
   (a choice, see docs/iam-semantics.md) to service-linked roles.
4. Within one account a resource-based policy that names the requesting user / session
   ARN, or everyone (``*``), grants on its own; one that names the role ARN is still
   limited by the boundary and session policy; one that names the account delegates to
   the identity-based policies. Otherwise identity-based policies must allow, within the
   permissions boundary and the session policy (a federated-user session without a
   session policy is denied).
5. Across accounts both the principal's side (identity ∩ boundary ∩ session, within the
   SCPs) and the resource-based policy in the resource account must allow.
6. The account root user is not limited by identity-based policies: full access in its
   own account unless an SCP or RCP denies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.iam.catalog import rcp_supported_services
from cloudwarden.iam.compiled import CompiledLayer, compile_layer
from cloudwarden.iam.decide import Plan, Specialised, build_plan, explain_decide, fast_decide
from cloudwarden.iam.explain import DecisionValue, Explanation
from cloudwarden.iam.logic import LAYERS, LayerFlags, layer_notes
from cloudwarden.iam.policy import Policy
from cloudwarden.iam.principals import PrincipalInfo
from cloudwarden.iam.request import Request

_CACHE_LIMIT = 8192

__all__ = [
    "CompiledPolicySet",
    "Decision",
    "LayerCompiler",
    "PolicySet",
    "compile_policy_set",
    "evaluate",
]


def _levels(value: Iterable[Iterable[Policy]] | None) -> tuple[tuple[Policy, ...], ...] | None:
    return None if value is None else tuple(tuple(level) for level in value)


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every policy that can take part in a decision.

    ``scps`` / ``rcps`` are lists of organisation levels, root first, each a list of
    policies; ``None`` means the account is not in an organisation. ``resource_account``
    is the account owning the resource when its ARN does not say (S3).
    ``resource_is_management_account`` defaults to "the principal is in the management
    account and the request stays in its account". ``rcp_services`` overrides the
    catalogue's list of services that support RCPs.
    """

    identity_policies: Sequence[Policy] = ()
    resource_policy: Policy | None = None
    resource_account: str | None = None
    permission_boundary: Policy | None = None
    session_policy: Policy | None = None
    scps: Sequence[Sequence[Policy]] | None = None
    rcps: Sequence[Sequence[Policy]] | None = None
    principal_is_management_account: bool = False
    resource_is_management_account: bool | None = None
    rcp_services: frozenset[str] | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity_policies", tuple(self.identity_policies))
        object.__setattr__(self, "scps", _levels(self.scps))
        object.__setattr__(self, "rcps", _levels(self.rcps))


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome: ``allowed``, ``explicit_deny`` or ``implicit_deny``, with the reason in
    one sentence and, when asked for, the per-layer explanation."""

    decision: DecisionValue
    reason: str
    explanation: Explanation | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decision": self.decision, "reason": self.reason}
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


LayerCompiler = Callable[[Sequence[Policy], int | None], CompiledLayer]


def _compile(policies: Sequence[Policy], level: int | None) -> CompiledLayer:
    return compile_layer(policies, level)


def _optional_layer(policy: Policy | None, compile: LayerCompiler) -> CompiledLayer | None:
    return None if policy is None else compile([policy], None)


def _level_layers(
    levels: Sequence[Sequence[Policy]] | None, compile: LayerCompiler
) -> tuple[CompiledLayer, ...] | None:
    if levels is None:
        return None
    return tuple(compile(level, i) for i, level in enumerate(levels))


class CompiledPolicySet:
    """A ``PolicySet`` compiled once and then asked about many requests.

    ``decide`` is the fast path (a decision string, no explanation); ``evaluate`` returns a
    ``Decision`` and builds the explanation only when ``explain`` is true. Per action, the
    candidate statements of all layers are kept in a plan; per kind of request, which
    layers take part. Both caches are bounded.
    """

    __slots__ = (
        "_plans",
        "_states",
        "boundary",
        "flags",
        "identity",
        "policies",
        "rcp_levels",
        "resource",
        "scp_levels",
        "session",
        "specialised",
        "verdicts",
    )

    def __init__(self, policies: PolicySet, compile: LayerCompiler = _compile) -> None:
        """``compile`` turns a list of policies (one layer, or one organisation level) into a
        ``CompiledLayer``; the batch path passes one that reuses layers it has seen."""
        self.policies = policies
        self.identity = compile(policies.identity_policies, None)
        self.resource = _optional_layer(policies.resource_policy, compile)
        self.boundary = _optional_layer(policies.permission_boundary, compile)
        self.session = _optional_layer(policies.session_policy, compile)
        self.scp_levels = _level_layers(policies.scps, compile)
        self.rcp_levels = _level_layers(policies.rcps, compile)
        self.flags = LayerFlags(
            has_scps=policies.scps is not None,
            has_rcps=policies.rcps is not None,
            has_resource=policies.resource_policy is not None,
            has_boundary=policies.permission_boundary is not None,
            has_session=policies.session_policy is not None,
            principal_is_management_account=policies.principal_is_management_account,
            resource_is_management_account=policies.resource_is_management_account,
            rcp_services=(
                policies.rcp_services
                if policies.rcp_services is not None
                else rcp_supported_services()
            ),
        )
        self._plans: dict[str, Plan] = {}
        self._states: dict[tuple[object, ...], tuple[int, dict[str, str]]] = {}
        self.verdicts: dict[tuple[object, ...], tuple[DecisionValue, str]] = {}
        self.specialised: dict[tuple[str, str, str, int], Specialised] = {}

    def plan(self, action: str) -> Plan:
        """The candidate statements of every layer for a lower-cased action."""
        plan = self._plans.get(action)
        if plan is None:
            plan = build_plan(self, action)
            if len(self._plans) >= _CACHE_LIMIT:
                self._plans.clear()
            self._plans[action] = plan
        return plan

    def layer_state(
        self, who: PrincipalInfo, same_account: bool, service: str
    ) -> tuple[int, dict[str, str]]:
        """Bit mask of the layers taking part, and why each other layer does not."""
        key = (who.kind, who.is_service_linked_role, same_account, service)
        state = self._states.get(key)
        if state is None:
            notes = layer_notes(self.flags, who, same_account, service)
            mask = sum(1 << i for i, name in enumerate(LAYERS) if name not in notes)
            state = (mask, notes)
            if len(self._states) >= _CACHE_LIMIT:
                self._states.clear()
            self._states[key] = state
        return state

    def remember_verdict(self, key: tuple[object, ...], verdict: tuple[DecisionValue, str]) -> None:
        """Cache the decision table's answer for one combination of layer results."""
        if len(self.verdicts) >= _CACHE_LIMIT:
            self.verdicts.clear()
        self.verdicts[key] = verdict

    def remember_specialised(self, key: tuple[str, str, str, int], entries: Specialised) -> None:
        """Cache a plan narrowed to one (action, principal, resource, active layers)."""
        if len(self.specialised) >= _CACHE_LIMIT:
            self.specialised.clear()
        self.specialised[key] = entries

    def decide(self, request: Request) -> DecisionValue:
        """The decision alone, on the fast path."""
        return fast_decide(self, request)[0]

    def evaluate(self, request: Request, *, explain: bool = True) -> Decision:
        """The decision with its reason, and the explanation when ``explain`` is set."""
        if not explain:
            decision, reason = fast_decide(self, request)
            return Decision(decision, reason)
        decision, reason, layers = explain_decide(self, request)
        return Decision(decision, reason, Explanation(reason, layers))


def compile_policy_set(policies: PolicySet) -> CompiledPolicySet:
    """Compile a policy set once for many decisions."""
    return CompiledPolicySet(policies)


def evaluate(request: Request, policies: PolicySet, *, explain: bool = True) -> Decision:
    """Decide one request under ``policies`` and explain the decision."""
    return CompiledPolicySet(policies).evaluate(request, explain=explain)
