"""Custom policy checks, after IAM Access Analyzer's CheckNoNewAccess,
CheckAccessNotGranted and CheckNoPublicAccess, decided exactly with z3.

Each check asks z3 for a request in its universe (``cloudwarden.iam.smt.encode``) that
makes the policy allow what the check forbids. ``unsat`` is a PASS: no such request
exists. ``sat`` is a FAIL with a witness request read from the model, and the witness is
decided again by the engine (``cloudwarden.iam.evaluate``) before it is returned; if the
engine disagrees, ``WitnessRejectedError`` is raised, since encoding and engine must
never part. A construct the encoding does not cover, a bounded search that found nothing,
or a solver timeout is an UNKNOWN with its reason — never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import z3

from cloudwarden.iam import catalog
from cloudwarden.iam.evaluate import PolicySet, evaluate
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.request import Request
from cloudwarden.iam.smt.context import MAX_SLOTS, UnsupportedError
from cloudwarden.iam.smt.encode import Mode, ResourceSpace, Universe, action_pool
from cloudwarden.iam.smt.principal import KINDS
from cloudwarden.iam.smt.resources import ResourceTypeSpace, resource_type_space

__all__ = [
    "PINNING_KEYS",
    "CheckInputError",
    "CheckResult",
    "WitnessRejectedError",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
    "engine_allows",
]

Outcome = Literal["PASS", "FAIL", "UNKNOWN"]
DEFAULT_TIMEOUT_MS = 60_000
_IDENTITY_KINDS = (KINDS["user"], KINDS["role_session"])
_PUBLIC_KINDS = (KINDS["user"], KINDS["role_session"], KINDS["root"], KINDS["anonymous"])
# keys that tie a request to a known organisation, account, network or source: a public
# caller (a fresh account, from outside) sends none of them
PINNING_KEYS = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:userid",
)
_ACCOUNT_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")


class CheckInputError(ValueError):
    """Bad input to a check: an unknown action or resource type, a missing option."""


class WitnessRejectedError(AssertionError):
    """The engine did not confirm a witness: the encoding and the engine disagree."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """``result`` is PASS, FAIL (with ``witness``) or UNKNOWN (with ``reason``)."""

    check: str
    result: Outcome
    message: str
    witness: Request | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "result": self.result, "message": self.message}
        if self.witness is not None:
            w = self.witness
            out["witness"] = {
                "principal": w.principal,
                "action": w.action,
                "resource": w.resource,
                "resource_account": w.resource_account,
                "context": {k: v if isinstance(v, str) else list(v) for k, v in w.context.items()},
            }
        if self.reason is not None:
            out["reason"] = self.reason
        return out


def _allow_all() -> Policy:
    return parse_policy(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'
    )


def _delegation(account: str) -> Policy:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "*",
        "Resource": "*",
    }
    return parse_policy({"Version": "2012-10-17", "Statement": [statement]})


def engine_allows(mode: Mode, policy: Policy, request: Request) -> bool:
    """The engine's decision for ``request`` under ``policy`` read as ``mode`` says:
    identity — the principal's only identity policy, with resource-based policies that
    delegate to its account (as a default KMS key policy does); resource — the resource's
    policy, for a caller of another account whose own policies allow everything."""
    account = request.resource_account or ""
    if mode == "identity":
        policies = PolicySet(identity_policies=[policy], resource_policy=_delegation(account))
    else:
        policies = PolicySet(
            identity_policies=[_allow_all()], resource_policy=policy, resource_account=account
        )
    return evaluate(request, policies, explain=False).allowed


def _constants(expr: Any, seen: dict[int, frozenset[str]]) -> frozenset[str]:
    """The names of the free variables of a z3 expression."""
    key = expr.get_id()
    found = seen.get(key)
    if found is None:
        if z3.is_const(expr) and expr.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found = frozenset({str(expr)})
        else:
            found = frozenset().union(*[_constants(c, seen) for c in expr.children()])
        seen[key] = found
    return found


def _focus(universe: Universe, goal: Any) -> list[Any]:
    """The constraints to solve: every fact that can touch the goal, and, for each part
    of the request the goal never reaches, its readable default instead of its facts.

    A fact is dropped only when all its variables are such parts, whose defaults satisfy
    it; so the focused problem has a solution exactly when the whole one does. It keeps
    z3's string solver away from parts (the principal's names, say) that no policy reads.
    """
    seen: dict[int, frozenset[str]] = {}
    defaults = {str(var): var == value for var, value in universe.defaults}
    facts = [(f, _constants(f, seen)) for f in universe.facts]
    relevant = set(_constants(goal, seen))
    changed = True
    while changed:
        changed = False
        for _, names in facts:
            if names & relevant and not names <= relevant:
                relevant |= names
                changed = True
    kept = [f for f, names in facts if names & relevant or not names <= defaults.keys()]
    return [goal, *kept, *[fixed for name, fixed in defaults.items() if name not in relevant]]


def _solve(universe: Universe, goal: Any, timeout_ms: int) -> tuple[str, Any]:
    solver = z3.Solver()
    solver.set(timeout=timeout_ms)
    solver.add(*_focus(universe, goal))
    verdict = solver.check()
    if verdict == z3.sat:
        return "sat", solver.model()
    if verdict == z3.unsat:
        return "unsat", None
    return "unknown", solver.reason_unknown()


def _run(
    check: str,
    build: Any,
    confirm: Any,
    messages: tuple[str, str],
    timeout_ms: int,
) -> CheckResult:
    try:
        universe, goal = build()
    except UnsupportedError as exc:
        return CheckResult(
            check, "UNKNOWN", "the policies use a construct not encoded", None, str(exc)
        )
    verdict, found = _solve(universe, goal, timeout_ms)
    if verdict == "unknown":
        return CheckResult(check, "UNKNOWN", "the solver gave no answer", None, f"z3: {found}")
    if verdict == "unsat":
        if universe.context.bounded:
            reason = f"multivalued keys were searched with at most {MAX_SLOTS} values"
            return CheckResult(
                check, "UNKNOWN", "no access found in a bounded search", None, reason
            )
        return CheckResult(check, "PASS", messages[0])
    witness = universe.witness(found)
    problem = confirm(witness)
    if problem:
        raise WitnessRejectedError(f"{check}: {problem}: {witness}")
    return CheckResult(check, "FAIL", messages[1], witness)


def _mode(policy_type: str) -> Mode:
    kind = policy_type.lower()
    if kind not in ("identity", "resource"):
        raise CheckInputError(f"policy type must be identity or resource, not {policy_type!r}")
    return "identity" if kind == "identity" else "resource"


def _type_space(mode: Mode, resource_type: str | None) -> ResourceTypeSpace | None:
    if mode == "identity":
        return None
    if resource_type is None:
        raise CheckInputError("resource policies need a resource type (e.g. AWS::S3::Bucket)")
    return resource_type_space(resource_type)


def _kinds(mode: Mode) -> tuple[int, ...]:
    return _IDENTITY_KINDS if mode == "identity" else tuple(KINDS.values())


def check_no_new_access(
    new: Policy,
    reference: Policy,
    *,
    policy_type: str = "identity",
    resource_type: str | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> CheckResult:
    """Does ``new`` allow a request that ``reference`` does not? (CheckNoNewAccess)"""
    mode = _mode(policy_type)
    space = _type_space(mode, resource_type)

    def build() -> tuple[Universe, Any]:
        statements = [*new.statements, *reference.statements]
        actions = space.actions if space else action_pool(statements)
        resources = ResourceSpace(formats=space.formats) if space else ResourceSpace()
        u = Universe(mode, [new, reference], actions, resources, _kinds(mode))
        return u, z3.And(u.allowed(new), z3.Not(u.allowed(reference)))

    def confirm(w: Request) -> str:
        if not engine_allows(mode, new, w):
            return "the engine does not allow the witness under the new policy"
        if engine_allows(mode, reference, w):
            return "the engine allows the witness under the reference policy"
        return ""

    messages = (
        "the new policy allows no access that the reference policy does not",
        "the new policy allows access that the reference policy does not",
    )
    return _run("check-no-new-access", build, confirm, messages, timeout_ms)


def _canonical_actions(actions: Sequence[str]) -> tuple[str, ...]:
    out = []
    for action in actions:
        name = catalog.canonical_action(action)
        if name is None:
            raise CheckInputError(f"unknown action {action!r}")
        out.append(name)
    if not out:
        raise CheckInputError("give at least one action")
    return tuple(out)


def check_access_not_granted(
    policy: Policy,
    actions: Sequence[str],
    resources: Sequence[str] = (),
    *,
    policy_type: str = "identity",
    resource_type: str | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> CheckResult:
    """Does ``policy`` allow any of ``actions`` (on any of ``resources``, when given)?
    (CheckAccessNotGranted)"""
    mode = _mode(policy_type)
    space = _type_space(mode, resource_type)
    wanted = _canonical_actions(actions)

    def build() -> tuple[Universe, Any]:
        if resources:
            where = ResourceSpace(exact=tuple(resources))
        else:
            where = ResourceSpace(formats=space.formats) if space else ResourceSpace()
        u = Universe(mode, [policy], wanted, where, _kinds(mode))
        return u, u.allowed(policy)

    def confirm(w: Request) -> str:
        return "" if engine_allows(mode, policy, w) else "the engine does not allow the witness"

    messages = (
        "the policy grants none of the given access",
        "the policy grants some of the given access",
    )
    return _run("check-access-not-granted", build, confirm, messages, timeout_ms)


def check_no_public_access(
    policy: Policy, resource_type: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> CheckResult:
    """Can a caller from a fresh account, or an anonymous one, be allowed by this
    resource policy? (CheckNoPublicAccess)"""
    space = resource_type_space(resource_type)
    named = sorted(set(_ACCOUNT_RE.findall(orjson.dumps(_document(policy)).decode())))

    def build() -> tuple[Universe, Any]:
        u = Universe(
            "resource", [policy], space.actions, ResourceSpace(formats=space.formats), _PUBLIC_KINDS
        )
        fresh = [u.principal.account != z3.StringVal(a) for a in named]
        pinned = [
            k.count == 0
            for name, k in u.context.keys.items()
            if name in PINNING_KEYS and not k.tied
        ]
        return u, z3.And(u.allowed(policy), *fresh, *pinned)

    def confirm(w: Request) -> str:
        return (
            "" if engine_allows("resource", policy, w) else "the engine does not allow the witness"
        )

    messages = (
        "the resource policy grants no public access for this resource type",
        "the resource policy grants public access",
    )
    return _run("check-no-public-access", build, confirm, messages, timeout_ms)


def _document(policy: Policy) -> Any:
    """The policy's text pieces, enough to find every account id it names."""
    out: list[str] = []
    for st in policy.statements:
        for spec in (st.principal, st.not_principal):
            if spec is not None:
                out.extend(spec.aws)
        out.extend(st.resources or st.not_resources or ())
        out.extend(v.raw for c in st.conditions for v in c.values)
    return out
