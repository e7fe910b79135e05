"""Statements compiled for fast matching, and layers indexed by service prefix.

A ``CompiledLayer`` holds the statements of one policy type (or one organisation level).
Statements are indexed by the service prefix of their actions, and the statements whose
Action / NotAction matches a given action are cached per action, so the hot path of a
decision is: one dict look-up per layer, then resource, principal and condition checks for
the few statements left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cloudwarden.iam.conditions import (
    ConditionClause,
    ConditionFailure,
    clause_holds,
    first_failure,
)
from cloudwarden.iam.explain import MissReason, StatementResult
from cloudwarden.iam.matching import (
    ArnPatterns,
    GrantKind,
    PrincipalMatcher,
    action_service,
    arn_regex_source,
    compile_actions,
)
from cloudwarden.iam.policy import Policy, PrincipalSpec, Statement
from cloudwarden.iam.principals import PrincipalInfo
from cloudwarden.iam.request import RequestContext
from cloudwarden.iam.variables import Template, parse_resource_template, resolve_segments

__all__ = [
    "CompiledLayer",
    "CompiledStatement",
    "LayerOutcome",
    "PrincipalCheck",
    "compile_layer",
]

_CACHE_LIMIT = 8192
_NO_TEMPLATES: tuple[Template, ...] = ()


@lru_cache(maxsize=16384)
def _matcher(spec: PrincipalSpec | None) -> PrincipalMatcher | None:
    if spec is None:
        return None
    return PrincipalMatcher.build(
        wildcard=spec.wildcard,
        aws=spec.aws,
        service=spec.service,
        federated=spec.federated,
        canonical_user=spec.canonical_user,
    )


@lru_cache(maxsize=16384)
def _segments_regex(segments: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    return re.compile(arn_regex_source(segments, swallow_short=True), re.DOTALL)


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    source: Statement
    policy_index: int
    level: int | None
    deny: bool
    action_re: re.Pattern[str]
    action_negated: bool
    resource_any: bool
    resource_patterns: ArnPatterns | None
    resource_templates: tuple[Template, ...]
    resource_negated: bool
    principal: PrincipalMatcher | None
    not_principal: PrincipalMatcher | None
    conditions: tuple[ConditionClause, ...]

    @classmethod
    def build(cls, st: Statement, policy_index: int, level: int | None) -> CompiledStatement:
        patterns = st.actions if st.actions is not None else st.not_actions or ()
        resources = st.resources if st.resources is not None else st.not_resources
        static = [r for r in resources or () if not (st.variables and parse_resource_template(r))]
        templates = tuple(
            t
            for r in resources or ()
            if st.variables and (t := parse_resource_template(r)) is not None
        )
        return cls(
            st,
            policy_index,
            level,
            st.effect == "Deny",
            compile_actions(tuple(patterns)),
            st.not_actions is not None,
            resources is None or (st.resources is not None and "*" in static),
            ArnPatterns(static) if static else None,
            templates or _NO_TEMPLATES,
            st.not_resources is not None,
            _matcher(st.principal),
            _matcher(st.not_principal),
            st.conditions,
        )

    def action_ok(self, action: str) -> bool:
        return (self.action_re.fullmatch(action) is not None) != self.action_negated

    def resource_ok(self, ctx: RequestContext) -> bool:
        """Resource / NotResource; an unresolvable variable in NotResource voids the statement."""
        if self.resource_any:
            return True
        resource = ctx.request.resource
        patterns = self.resource_patterns
        hit = patterns is not None and patterns.matches(resource)
        for template in self.resource_templates:
            if hit:
                break
            segments = resolve_segments(template, ctx.get)
            if segments is None:
                if self.resource_negated:
                    return False
                continue
            hit = _segments_regex(segments).fullmatch(resource) is not None
        return hit != self.resource_negated

    def grant(self, who: PrincipalInfo, has_boundary: bool, everyone: bool) -> GrantKind | None:
        """How this statement names ``who``; ``everyone`` treats a missing Principal as ``*``.

        "Permissions boundaries for IAM entities": a Deny with NotPrincipal always applies
        to a principal that has a permissions boundary, whatever NotPrincipal lists.
        """
        if self.principal is not None:
            return self.principal.grant(who)
        if self.not_principal is not None:
            if self.deny:
                spared = self.not_principal.names_whole_chain(who) and not has_boundary
            else:
                spared = self.not_principal.names_any_of_chain(who)
            return None if spared else GrantKind.DIRECT
        return GrantKind.DIRECT if everyone else None

    def conditions_ok(self, ctx: RequestContext) -> bool:
        get = ctx.get
        return all(clause_holds(clause, get) for clause in self.conditions)


@dataclass(slots=True)
class LayerOutcome:
    allow: bool = False
    deny: bool = False
    grant: GrantKind | None = None


@dataclass(frozen=True, slots=True)
class PrincipalCheck:
    """How a resource-based layer checks the Principal element for one request."""

    who: PrincipalInfo
    has_boundary: bool
    everyone: bool


def _action_services(st: Statement) -> frozenset[str] | None:
    """Service prefixes a statement's Action names; ``None`` for NotAction or a wildcard
    service (the statement is then a candidate for every action)."""
    if st.not_actions is not None:
        return None
    services: set[str] = set()
    for pattern in st.actions or ():
        service = action_service(pattern)
        if service is None:
            return None
        services.add(service)
    return frozenset(services)


def _action_ok(st: Statement, action: str) -> bool:
    negated = st.not_actions is not None
    patterns = st.not_actions if negated else st.actions
    return (compile_actions(tuple(patterns or ())).fullmatch(action) is not None) != negated


class CompiledLayer:
    """The statements of one policy type (or one organisation level).

    Statements are indexed by service prefix up front, but each is compiled only when an
    action first makes it a candidate: a batch line decides one request, so most of its
    statements are never needed.
    """

    __slots__ = ("_built", "_by_service", "_cache", "_level", "_sources", "_wildcard")

    def __init__(self, sources: Sequence[tuple[Statement, int]], level: int | None = None) -> None:
        self._sources = tuple(sources)
        self._level = level
        self._built: list[CompiledStatement | None] = [None] * len(self._sources)
        services_of = [_action_services(st) for st, _ in self._sources]
        self._wildcard = tuple(i for i, found in enumerate(services_of) if found is None)
        every = {svc for found in services_of for svc in found or ()}
        self._by_service = {
            svc: tuple(i for i, found in enumerate(services_of) if found is None or svc in found)
            for svc in every
        }
        self._cache: dict[str, tuple[CompiledStatement, ...]] = {}

    def _compiled(self, index: int) -> CompiledStatement:
        built = self._built[index]
        if built is None:
            source, policy_index = self._sources[index]
            built = CompiledStatement.build(source, policy_index, self._level)
            self._built[index] = built
        return built

    @property
    def statements(self) -> tuple[CompiledStatement, ...]:
        """Every statement, compiled (the explained path visits them all)."""
        return tuple(self._compiled(i) for i in range(len(self._sources)))

    def candidates(self, action: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action / NotAction matches ``action`` (lower-cased)."""
        hit = self._cache.get(action)
        if hit is not None:
            return hit
        pool = self._by_service.get(action.partition(":")[0], self._wildcard)
        sources = self._sources
        hit = tuple(self._compiled(i) for i in pool if _action_ok(sources[i][0], action))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[action] = hit
        return hit

    def scan(
        self, ctx: RequestContext, action: str, check: PrincipalCheck | None = None
    ) -> LayerOutcome:
        """Allow / Deny of the layer; stops at the first applicable Deny."""
        out = LayerOutcome()
        for st in self.candidates(action):
            if not st.resource_ok(ctx):
                continue
            grant = None
            if check is not None:
                grant = st.grant(check.who, check.has_boundary, check.everyone)
                if grant is None:
                    continue
            if st.conditions and not st.conditions_ok(ctx):
                continue
            if st.deny:
                out.deny = True
                return out
            out.allow = True
            if grant is not None and (out.grant is None or grant > out.grant):
                out.grant = grant
        return out

    def trace(
        self, ctx: RequestContext, action: str, check: PrincipalCheck | None = None
    ) -> tuple[LayerOutcome, list[StatementResult]]:
        """Like ``scan`` but visits every statement and records why each applied or not."""
        out = LayerOutcome()
        results = []
        for st in self.statements:
            result, grant = _trace_one(st, ctx, action, check)
            results.append(result)
            if not result.applies:
                continue
            if st.deny:
                out.deny = True
            else:
                out.allow = True
                if grant is not None and (out.grant is None or grant > out.grant):
                    out.grant = grant
        return out, results


def _miss_reason(
    st: CompiledStatement, ctx: RequestContext, action: str, check: PrincipalCheck | None
) -> tuple[MissReason | None, GrantKind | None, ConditionFailure | None]:
    if not st.action_ok(action):
        return "action", None, None
    if not st.resource_ok(ctx):
        return "resource", None, None
    grant = None
    if check is not None:
        grant = st.grant(check.who, check.has_boundary, check.everyone)
        if grant is None:
            return "principal", None, None
    failure = first_failure(st.conditions, ctx.get)
    if failure is not None:
        return "condition", None, failure
    return None, grant, None


def _trace_one(
    st: CompiledStatement, ctx: RequestContext, action: str, check: PrincipalCheck | None
) -> tuple[StatementResult, GrantKind | None]:
    reason, grant, failure = _miss_reason(st, ctx, action, check)
    src = st.source
    result = StatementResult(
        policy=st.policy_index,
        statement=src.index,
        sid=src.sid,
        effect=src.effect,
        applies=reason is None,
        reason=reason,
        condition=failure,
        level=st.level,
        grant=grant.name.lower() if grant is not None else None,
    )
    return result, grant


def compile_layer(policies: Iterable[Policy], level: int | None = None) -> CompiledLayer:
    """Compile the statements of ``policies`` (indexes kept for explanations)."""
    return CompiledLayer(
        [(st, i) for i, policy in enumerate(policies) for st in policy.statements], level
    )
