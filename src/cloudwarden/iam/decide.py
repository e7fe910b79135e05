"""The two ways of running the evaluation logic described in ``cloudwarden.iam.evaluate``.

``fast_decide`` walks one precomputed plan per action (every candidate statement of every
layer, tagged with its layer) and returns at the first applicable Deny. ``explain_decide``
visits every statement of every layer and records why each applied or not. Both use the
same layer applicability (``layer_notes``) and decision table (``combine``), and a
property test checks that they always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudwarden.iam.compiled import CompiledLayer, CompiledStatement, PrincipalCheck
from cloudwarden.iam.conditions import ConditionClause, Lookup, clause_holds
from cloudwarden.iam.explain import DecisionValue, LayerExplanation, StatementResult
from cloudwarden.iam.logic import LAYERS, Results, combine, resource_policy_required
from cloudwarden.iam.matching import GrantKind
from cloudwarden.iam.principals import PrincipalInfo
from cloudwarden.iam.request import Request, RequestContext

if TYPE_CHECKING:
    from cloudwarden.iam.evaluate import CompiledPolicySet

__all__ = ["Plan", "Specialised", "build_plan", "explain_decide", "fast_decide", "table_verdict"]

SCP, RCP, RESOURCE, IDENTITY, BOUNDARY, SESSION = range(6)
# (layer bit, layer code, organisation level, statement) per candidate statement
Plan = tuple[tuple[int, int, int, CompiledStatement], ...]
# a plan narrowed to one (principal, resource, active layers): (layer bit, layer code,
# level, statement, Resource has policy variables, how Principal names the principal)
Specialised = tuple[tuple[int, int, int, CompiledStatement, bool, GrantKind | None], ...]

_LABELS = {
    "scp": "a service control policy",
    "rcp": "a resource control policy",
    "resource": "the resource-based policy",
    "identity": "an identity-based policy",
    "boundary": "the permissions boundary",
    "session": "the session policy",
}


def _layers_of(c: CompiledPolicySet) -> list[tuple[int, int, CompiledLayer]]:
    out: list[tuple[int, int, CompiledLayer]] = []
    for code, levels in ((SCP, c.scp_levels), (RCP, c.rcp_levels)):
        out.extend((code, i, layer) for i, layer in enumerate(levels or ()))
    for code, single in (
        (RESOURCE, c.resource),
        (IDENTITY, c.identity),
        (BOUNDARY, c.boundary),
        (SESSION, c.session),
    ):
        if single is not None:
            out.append((code, 0, single))
    return out


def build_plan(c: CompiledPolicySet, action: str) -> Plan:
    """Every statement, of every layer, whose Action / NotAction matches ``action``."""
    return tuple(
        (1 << code, code, level, st)
        for code, level, layer in _layers_of(c)
        for st in layer.candidates(action)
    )


def _verdict(
    c: CompiledPolicySet, ctx: RequestContext, scp_allow: int, results: Results, active: int
) -> tuple[DecisionValue, str]:
    return _levels_verdict(
        len(c.scp_levels or ()), ctx.principal, ctx.same_account, scp_allow, results, active
    )


def _levels_verdict(
    levels: int,
    who: PrincipalInfo,
    same_account: bool,
    scp_allow: int,
    results: Results,
    active: int,
) -> tuple[DecisionValue, str]:
    """SCP levels first, then the decision table of ``cloudwarden.iam.logic``."""
    if active & (1 << SCP) and scp_allow != (1 << levels) - 1:
        gap = next(i for i in range(levels) if not scp_allow & (1 << i))
        return "implicit_deny", f"no SCP Allow at organisation level {gap}"
    return combine(who, same_account, results)


_TABLE_LIMIT = 8192
_table: dict[tuple[object, ...], tuple[DecisionValue, str]] = {}


def table_verdict(
    who: PrincipalInfo,
    same_account: bool,
    active: int,
    allows: int,
    scp_allow: int,
    scp_levels: int,
    grant: GrantKind | None,
    required: str | None,
) -> tuple[DecisionValue, str]:
    """The decision once no Deny applied, from the layer results alone (for callers that
    have no ``CompiledPolicySet``); cached by its inputs, which include only the kind of
    principal (the decision table never reads its name)."""
    key = (who.kind, same_account, active, allows, scp_allow, scp_levels, grant, required)
    verdict = _table.get(key)
    if verdict is None:
        results = _results(active, allows, grant, required)
        verdict = _levels_verdict(scp_levels, who, same_account, scp_allow, results, active)
        if len(_table) >= _TABLE_LIMIT:
            _table.clear()
        _table[key] = verdict
    return verdict


_DENY_REASONS = {code: f"explicit Deny in {_LABELS[name]}" for code, name in enumerate(LAYERS)}
_PRINCIPAL_LAYERS = (1 << RESOURCE) | (1 << RCP)
_BOUNDARY_BIT = 1 << BOUNDARY


def _all_hold(clauses: tuple[ConditionClause, ...], get: Lookup) -> bool:
    """Every clause holds; a plain loop, cheaper than ``all()`` over a generator here."""
    for clause in clauses:  # noqa: SIM110
        if not clause_holds(clause, get):
            return False
    return True


def _specialise(c: CompiledPolicySet, ctx: RequestContext, action: str, active: int) -> Specialised:
    """The plan of ``action`` narrowed to one (principal, resource): the statements of the
    active layers whose static Resource / NotResource admits the resource and whose
    Principal / NotPrincipal names the principal, each with how it names it. What is left
    per request is a Resource with policy variables and the Condition block."""
    who = ctx.principal
    has_boundary = bool(active & _BOUNDARY_BIT)
    out: list[tuple[int, int, int, CompiledStatement, bool, GrantKind | None]] = []
    for bit, code, level, st in c._plans.get(action) or c.plan(action):
        if not active & bit:
            continue
        variable = bool(st.resource_templates)
        if not st.resource_any and not variable and not st.resource_ok(ctx):
            continue
        found = None
        if bit & _PRINCIPAL_LAYERS:
            found = st.grant(who, has_boundary, code == RCP)
            if found is None:
                continue
        out.append((bit, code, level, st, variable, found))
    return tuple(out)


def fast_decide(c: CompiledPolicySet, request: Request) -> tuple[DecisionValue, str]:
    """The decision and its reason; no explanation is built."""
    ctx = RequestContext(request, c.policies.resource_account)
    who = ctx.principal
    action = request.action.lower()
    active, _ = c.layer_state(who, ctx.same_account, action.partition(":")[0])
    key = (action, request.principal, request.resource, active)
    entries = c.specialised.get(key)
    if entries is None:
        entries = _specialise(c, ctx, action, active)
        c.remember_specialised(key, entries)
    get = ctx.get
    scp_allow = 0
    grant: GrantKind | None = None
    allows = 0
    for bit, code, level, st, variable, found in entries:
        if variable and not st.resource_ok(ctx):
            continue
        if st.conditions and not _all_hold(st.conditions, get):
            continue
        if st.deny:
            return "explicit_deny", _DENY_REASONS[code]
        if code == SCP:
            scp_allow |= 1 << level
        elif code == RESOURCE and found is not None and (grant is None or found > grant):
            grant = found
        allows |= bit
    required = resource_policy_required(action, request.resource)
    # the decision table reads only the kind of principal, never its name
    verdict_key = (who.kind, ctx.same_account, active, allows, scp_allow, grant, required)
    verdict = c.verdicts.get(verdict_key)
    if verdict is None:
        results = _results(active, allows, grant, required)
        verdict = _verdict(c, ctx, scp_allow, results, active)
        c.remember_verdict(verdict_key, verdict)
    return verdict


def _results(active: int, allows: int, grant: GrantKind | None, required: str | None) -> Results:
    def flag(code: int) -> bool | None:
        return bool(allows & (1 << code)) if active & (1 << code) else None

    identity = bool(allows & (1 << IDENTITY))
    return Results(grant, identity, flag(BOUNDARY), flag(SESSION), required)


def _trace_layer(
    name: str, layers: list[CompiledLayer], ctx: RequestContext, check: PrincipalCheck | None
) -> tuple[LayerExplanation, list[bool], GrantKind | None]:
    action = ctx.request.action.lower()
    statements: list[StatementResult] = []
    allows: list[bool] = []
    deny = False
    grant: GrantKind | None = None
    for layer in layers:
        outcome, found = layer.trace(ctx, action, check)
        statements.extend(found)
        allows.append(outcome.allow)
        deny = deny or outcome.deny
        if outcome.grant is not None and (grant is None or outcome.grant > grant):
            grant = outcome.grant
    allowed = all(allows) if allows else False
    return LayerExplanation(name, True, "", allowed, deny, tuple(statements)), allows, grant


def explain_decide(
    c: CompiledPolicySet, request: Request
) -> tuple[DecisionValue, str, tuple[LayerExplanation, ...]]:
    """The decision, its reason and the explanation of every layer."""
    ctx = RequestContext(request, c.policies.resource_account)
    who = ctx.principal
    action = request.action.lower()
    active, notes = c.layer_state(who, ctx.same_account, action.partition(":")[0])
    has_boundary = bool(active & (1 << BOUNDARY))
    sources = {code: [layer for k, _, layer in _layers_of(c) if k == code] for code in range(6)}
    checks = {
        RCP: PrincipalCheck(who, False, True),
        RESOURCE: PrincipalCheck(who, has_boundary, False),
    }
    explained: list[LayerExplanation] = []
    allows = 0
    scp_allow = 0
    grant: GrantKind | None = None
    denied: str | None = None
    for code, name in enumerate(LAYERS):
        if not active & (1 << code):
            explained.append(LayerExplanation(name, False, notes.get(name, "")))
            continue
        layer, level_allows, found = _trace_layer(name, sources[code], ctx, checks.get(code))
        if code in (SCP, RCP):
            layer = _with_levels(layer, level_allows, code == RCP)
        if code == SCP:
            scp_allow = sum(1 << i for i, ok in enumerate(level_allows) if ok)
        explained.append(layer)
        if layer.denied and denied is None:
            denied = name
        allows |= (1 << code) if layer.allowed else 0
        grant = found if code == RESOURCE else grant
    if denied is not None:
        return "explicit_deny", _DENY_REASONS[LAYERS.index(denied)], tuple(explained)
    required = resource_policy_required(action, request.resource)
    results = _results(active, allows, grant, required)
    decision, reason = _verdict(c, ctx, scp_allow, results, active)
    return decision, reason, tuple(explained)


def _with_levels(layer: LayerExplanation, allows: list[bool], implied: bool) -> LayerExplanation:
    if implied:
        note = "RCPFullAWSAccess is attached at every level, so only Deny statements matter"
        return LayerExplanation(
            layer.layer,
            True,
            note,
            True,
            layer.denied,
            layer.statements,
            tuple(True for _ in allows),
        )
    return LayerExplanation(
        layer.layer, True, layer.note, layer.allowed, layer.denied, layer.statements, tuple(allows)
    )
