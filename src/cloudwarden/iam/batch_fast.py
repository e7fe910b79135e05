"""Batch lines decided in one pass over their decoded JSON, without compiling their policies.

A batch line carries its own policies and asks about one request, so almost everything a
``CompiledPolicySet`` prepares (statement objects, per-service indexes, regexes, plans,
decision caches) is built to be used once. ``decide_fast`` does the same evaluation as
``cloudwarden.iam.decide.fast_decide`` directly on the dicts ``orjson`` decoded:

1. It checks the request fields and every policy of the line with a conservative
   validator: it accepts only documents that ``parse_policy`` accepts, and returns
   ``None`` for anything else (and for any surprise), so that the caller runs the
   reference path, which reports the located error exactly as before (or decides the
   line, when the validator was only being careful). A malformed policy anywhere in the
   line therefore still yields that line's error, never a decision.
2. While checking, it keeps the statements whose ``Action`` / ``NotAction`` matches the
   request's action, in the order of the reference plan (SCP levels, RCP levels, the
   resource-based policy, identity, boundary, session). Action patterns are matched once
   per (action, pattern) and remembered, since lines repeat them even when their
   policies differ. SCPs and RCPs, which every line about one organisation repeats, are
   checked once per distinct text after their second sighting (and a line's SCP and RCP
   levels matched once per action); nothing else is remembered across lines here.
3. It decides over those statements as ``fast_decide`` does: ``Resource`` (exact, prefix
   and ``*`` globs matched without regexes), then ``Principal`` for the resource-based
   and RCP layers, then ``Condition``, parsed only for the statements that get that far;
   the first applicable ``Deny`` ends it. Layer applicability (``layer_notes``) and the
   decision table (``combine``) are the reference ones, cached by their inputs.

Steps 1 and 2 for each policy are in ``cloudwarden.iam.batch_fast_check``.

``tests/iam/test_iam_batch_fast.py`` checks that this path and the reference path give
the same decision on generated lines, and that lines this path declines fall back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cloudwarden.iam.batch_fast_check import (
    _BOUNDARY_BIT,
    _LIMIT,
    _LINE_KEYS,
    _PRINCIPAL_LAYERS,
    Candidate,
    Flags,
    Lookup,
    _Decline,
    _hits_for,
    _levels,
    _policies,
    _policy,
    _star_match,
)
from cloudwarden.iam.catalog import rcp_supported_services
from cloudwarden.iam.compiled import _segments_regex
from cloudwarden.iam.conditions import (
    ConditionClause,
    _clause,
    _clauses,
    _operator,
    clause_holds,
    json_scalar_text,
    parse_condition_block,
)
from cloudwarden.iam.decide import (
    BOUNDARY,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    _all_hold,
    table_verdict,
)
from cloudwarden.iam.errors import PolicyProblem
from cloudwarden.iam.explain import DecisionValue
from cloudwarden.iam.logic import LAYERS, LayerFlags, layer_notes, resource_policy_required
from cloudwarden.iam.matching import (
    GrantKind,
    PrincipalMatcher,
    compile_arn_patterns,
)
from cloudwarden.iam.principals import PrincipalInfo
from cloudwarden.iam.request import Request, RequestContext
from cloudwarden.iam.variables import (
    Literal,
    Template,
    _lookup,
    parse_resource_template,
    parse_template,
    resolve_segments,
)

__all__ = ["context_values", "decide_fast"]


# -- matching of the remaining elements -----------------------------------------------
def _parts_match(patterns: list[str], texts: list[str]) -> bool:
    """Colon-separated parts of an ARN pattern (``*`` wildcards) against the ARN's."""
    for pattern, text in zip(patterns, texts, strict=True):
        if "*" in pattern:
            if not _star_match(pattern.split("*"), text):
                return False
        elif pattern != text:
            return False
    return True


def _static_match(pattern: str, resource: str) -> bool:
    """``matching.ArnPatterns([pattern]).matches(resource)`` without building it.

    As ``matching.arn_regex_source`` (``swallow_short``): wildcards in the first
    ``min(colons, 5)`` colon-separated parts stay within their part; the rest of the
    pattern (which may contain colons) is matched as a whole.
    """
    if pattern == resource:
        return True
    if "?" in pattern:
        return compile_arn_patterns((pattern,)).fullmatch(resource) is not None
    star = pattern.find("*")
    if star < 0:
        return False
    if star == len(pattern) - 1:
        return resource.startswith(pattern[:-1])
    fixed = min(pattern.count(":"), 5)
    texts = resource.split(":", fixed)
    return len(texts) == fixed + 1 and _parts_match(pattern.split(":", fixed), texts)


def _template_match(head: str, tail: Template, resource: str, get: Lookup) -> bool | None:
    """A Resource template against ``resource``, or ``None`` when one of its variables
    cannot be resolved (``resolve_segments`` then ``compiled._segments_regex``).

    ``head`` is the pattern up to and including its fifth colon, free of placeholders;
    ``tail`` the parsed last part, whose substituted values and escapes are literal.
    """
    pieces = [""]  # the last part, split on its wildcards
    for part in tail:
        if isinstance(part, str):
            if "?" in part:
                return _generic_template((head, *tail), resource, get)
            if "*" in part:
                split = part.split("*")
                pieces[-1] += split[0]
                pieces.extend(split[1:])
            else:
                pieces[-1] += part
        elif isinstance(part, Literal):
            pieces[-1] += part.text
        else:
            value = _lookup(part, get)
            if value is None:
                return None
            pieces[-1] += value
    if "?" in head:
        return _generic_template((head, *tail), resource, get)
    if "*" not in head:  # the first five parts are literal: a prefix
        return resource.startswith(head) and _star_match(pieces, resource[len(head) :])
    texts = resource.split(":", 5)
    return (
        len(texts) == 6
        and _parts_match(head.split(":", 5)[:5], texts[:5])
        and _star_match(pieces, texts[5])
    )


def _generic_template(template: Template, resource: str, get: Lookup) -> bool | None:
    segments = resolve_segments(template, get)
    if segments is None:
        return None
    return _segments_regex(segments).fullmatch(resource) is not None


def _resource_ok(value: Any, negated: bool, variables: bool, resource: str, get: Lookup) -> bool:
    """``CompiledStatement.resource_ok``: static patterns first, then templates in order;
    an unresolvable variable in NotResource voids the statement."""
    templates: list[tuple[str | None, Template]] = []  # (head, tail) or (None, whole)
    for pattern in (value,) if type(value) is str else value:
        if variables and "${" in pattern:
            # ``parse_resource_template``: only the part after the fifth colon (colons
            # inside placeholders not counted) takes variables
            parts = pattern.split(":", 5)
            head = pattern[: len(pattern) - len(parts[-1])]
            if len(parts) == 6 and "${" not in head:
                tail = parse_template(parts[5])
                if tail is not None:
                    templates.append((head, tail))
                    continue
            else:
                template = parse_resource_template(pattern)
                if template is not None:
                    templates.append((None, template))
                    continue
        if _static_match(pattern, resource):
            return not negated
    for head, template in templates:
        if head is None:
            hit = _generic_template(template, resource, get)
        else:
            hit = _template_match(head, template, resource, get)
        if hit is None:
            if negated:
                return False
            continue
        if hit:
            return not negated
    return negated


_STAR = PrincipalMatcher.build(wildcard=True)


def _principal_matcher(value: Any) -> PrincipalMatcher:
    """``compiled._matcher(policy._principal(value))`` for a checked element, built
    without the intermediate ``PrincipalSpec`` (a line's principals rarely repeat)."""
    if value == "*":
        return _STAR
    found = {key: (item,) if type(item) is str else item for key, item in value.items()}
    aws = found.get("AWS", ())
    return PrincipalMatcher.build(
        wildcard="*" in aws,
        aws=aws,
        service=found.get("Service", ()),
        federated=found.get("Federated", ()),
        canonical_user=found.get("CanonicalUser", ()),
    )


def _grant(
    st: dict[str, Any], who: PrincipalInfo, has_boundary: bool, everyone: bool, deny: bool
) -> GrantKind | None:
    """``CompiledStatement.grant`` on the raw statement."""
    value = st.get("Principal")
    if value is not None:
        return _principal_matcher(value).grant(who)
    value = st.get("NotPrincipal")
    if value is not None:
        matcher = _principal_matcher(value)
        if deny:
            spared = matcher.names_whole_chain(who) and not has_boundary
        else:
            spared = matcher.names_any_of_chain(who)
        return None if spared else GrantKind.DIRECT
    return GrantKind.DIRECT if everyone else None


def _parsed_block(block: dict[str, Any], variables: bool) -> tuple[ConditionClause, ...]:
    problems: list[PolicyProblem] = []
    clauses = parse_condition_block(block, "", problems, variables=variables)
    if problems:
        raise _Decline
    return clauses


def _new_clause(operator: str, key: str, value: object, variables: bool) -> ConditionClause:
    spec = _operator(operator)[0]
    problems: list[PolicyProblem] = []
    clause = None if spec is None else _clause(operator, spec, key, value, variables, "", problems)
    if clause is None or problems:
        raise _Decline
    return clause


def _conditions_ok(block: dict[str, Any], variables: bool, get: Lookup) -> bool:
    """Every clause of a checked Condition block holds (``parse_condition_block`` then
    ``_all_hold``); clauses come from the cache ``conditions._clause`` fills."""
    for operator, keys in block.items():
        for key, value in keys.items():
            if type(value) is list:
                clause = _clauses.get((operator, key, tuple(value), True, variables))
            else:
                clause = _clauses.get((operator, key, value, False, variables))
            if clause is None:
                clause = _new_clause(operator, key, value, variables)
            if not clause_holds(clause, get):
                return False
    return True


# -- layers and verdict ----------------------------------------------------------------
_active: dict[tuple[object, ...], int] = {}
_rcp_services: list[frozenset[str]] = []


def _active_layers(flags: Flags, who: PrincipalInfo, same: bool, service: str) -> int:
    """``CompiledPolicySet.layer_state``'s mask, cached by everything it reads."""
    key = (*flags, who.kind, who.is_service_linked_role, same, service)
    mask = _active.get(key)
    if mask is None:
        if not _rcp_services:
            _rcp_services.append(rcp_supported_services())
        scps, rcps, resource, boundary, session, principal_mgmt, resource_mgmt = flags
        layer_flags = LayerFlags(scps, rcps, resource, boundary, session, principal_mgmt,
                                 resource_mgmt, _rcp_services[0])  # fmt: skip
        notes = layer_notes(layer_flags, who, same, service)
        mask = sum(1 << i for i, name in enumerate(LAYERS) if name not in notes)
        if len(_active) >= _LIMIT:
            _active.clear()
        _active[key] = mask
    return mask


def context_values(value: object, problems: list[PolicyProblem]) -> dict[str, str | list[str]]:
    """A line's ``context``: each value a string or a list of strings (JSON scalars are
    read as IAM reads them); problems are appended, located under ``context``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(PolicyProblem("context", "expected an object"))
        return {}
    out: dict[str, str | list[str]] = {}
    for key, item in value.items():
        if isinstance(item, str):
            out[key] = item
            continue
        items = item if isinstance(item, list) else [item]
        texts = [json_scalar_text(v) for v in items]
        if any(t is None for t in texts):
            problems.append(PolicyProblem(f"context.{key}", "values must be scalars or lists"))
            continue
        strings = [t for t in texts if t is not None]
        out[key] = strings if isinstance(item, list) else strings[0]
    return out


def _flag(line: dict[str, Any], key: str) -> bool | None:
    value = line.get(key)
    if value is None or type(value) is bool:
        return value
    raise _Decline


def _request(line: dict[str, Any], clock: Callable[[], datetime]) -> Request:
    """``batch._request`` for lines it accepts without a problem."""
    if not _LINE_KEYS.issuperset(line):
        raise _Decline
    principal = line.get("principal")
    action = line.get("action")
    resource = line.get("resource", "*")
    if (
        type(principal) is not str
        or not principal
        or type(action) is not str
        or ":" not in action
        or type(resource) is not str
        or not resource
    ):
        raise _Decline
    context = line.get("context")
    if context is None:
        context = {}
    elif type(context) is not dict:
        raise _Decline
    else:
        for item in context.values():
            if type(item) is not str and (
                type(item) is not list or not all(type(v) is str for v in item)
            ):
                problems: list[PolicyProblem] = []
                context = context_values(context, problems)  # numbers and booleans
                if problems:
                    raise _Decline
                break
    return Request(principal, action, resource, context, clock=clock)


def _collect(
    line: dict[str, Any], clock: Callable[[], datetime]
) -> tuple[Request, str, list[Candidate], int, Flags, str | None]:
    """Check the whole line; return its request, lower-cased action, candidate statements
    (in plan order), number of SCP levels, layer flags and resource account."""
    request = _request(line, clock)
    action = request.action.lower()
    hits = _hits_for(action)
    found: list[Candidate] = []
    scps = line.get("scps")
    scp_levels = 0 if scps is None else _levels(scps, SCP, hits, action, found)
    rcps = line.get("rcps")
    if rcps is not None:
        _levels(rcps, RCP, hits, action, found)
    resource_policy = line.get("resource_policy")
    if resource_policy is not None:
        _policy(resource_policy, RESOURCE, 0, hits, action, found)
    _policies(line.get("identity_policies", []), IDENTITY, 0, hits, action, found)
    boundary = line.get("permission_boundary")
    if boundary is not None:
        _policy(boundary, BOUNDARY, 0, hits, action, found)
    session = line.get("session_policy")
    if session is not None:
        _policy(session, SESSION, 0, hits, action, found)
    account = line.get("resource_account")
    if account is not None and type(account) is not str:
        raise _Decline
    principal_mgmt = _flag(line, "principal_is_management_account")
    resource_mgmt = _flag(line, "resource_is_management_account")
    flags: Flags = (scps is not None, rcps is not None, resource_policy is not None,
             boundary is not None, session is not None, bool(principal_mgmt), resource_mgmt)  # fmt: skip
    return request, action, found, scp_levels, flags, account


def decide_fast(line: dict[str, Any], clock: Callable[[], datetime]) -> DecisionValue | None:
    """The decision of a decoded batch line, or ``None`` when the reference path must
    decide it (or report its error)."""
    try:
        return _decide(line, clock)
    except Exception:
        return None


def _decide(line: dict[str, Any], clock: Callable[[], datetime]) -> DecisionValue:
    return _evaluate(*_collect(line, clock))


def _evaluate(
    request: Request,
    action: str,
    found: list[Candidate],
    scp_levels: int,
    flags: Flags,
    account: str | None,
) -> DecisionValue:
    """``fast_decide`` over the candidate statements of a checked line."""
    ctx = RequestContext(request, account)
    who = ctx.principal
    same = ctx.same_account
    active = _active_layers(flags, who, same, action.partition(":")[0])
    has_boundary = bool(active & _BOUNDARY_BIT)
    get = ctx.get
    resource = request.resource
    scp_allow = 0
    allows = 0
    grant: GrantKind | None = None
    granted: GrantKind | None = None
    for code, level, st, variables, deny, resources, negated, conditions in found:
        bit = 1 << code
        if not active & bit:
            continue
        if resources is not None and not _resource_ok(resources, negated, variables, resource, get):
            continue
        if bit & _PRINCIPAL_LAYERS:
            granted = _grant(st, who, has_boundary, code == RCP, deny)
            if granted is None:
                continue
        if conditions is not None:
            if type(conditions) is list:  # an SCP's or RCP's, parsed once
                clauses = conditions[0]
                if type(clauses) is not tuple:
                    clauses = conditions[0] = _parsed_block(clauses, variables)
                if not _all_hold(clauses, get):
                    continue
            elif not _conditions_ok(conditions, variables, get):
                continue
        if deny:
            return "explicit_deny"
        if code == SCP:
            scp_allow |= 1 << level
        elif code == RESOURCE and granted is not None and (grant is None or granted > grant):
            grant = granted
        allows |= bit
    required = resource_policy_required(action, resource)
    return table_verdict(who, same, active, allows, scp_allow, scp_levels, grant, required)[0]
