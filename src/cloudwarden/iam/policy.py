"""Policy documents: an immutable model and a parser that reports every problem with its path.

Grammar: "IAM JSON policy element reference" (Version, Id, Statement, Sid, Effect,
Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition) and "Grammar
of the IAM JSON policy language". ``Statement`` may be one object or a list; single values
may be given where lists are allowed. Policy variables are active only for ``Version``
``2012-10-17`` ("IAM JSON policy elements: Version").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from cloudwarden.iam.conditions import ConditionClause, parse_condition_block
from cloudwarden.iam.errors import PolicyParseError, PolicyProblem

__all__ = ["Effect", "Policy", "PrincipalSpec", "Statement", "parse_policy"]

Effect = Literal["Allow", "Deny"]
VERSION_2012 = "2012-10-17"
_VERSIONS = frozenset({VERSION_2012, "2008-10-17"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A Principal or NotPrincipal element; ``wildcard`` is ``"*"`` or ``{"AWS": "*"}``."""

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement. Exactly one of ``actions`` / ``not_actions`` is set; the resource
    and principal pairs may both be ``None`` (e.g. a role trust policy has no Resource)."""

    effect: Effect
    sid: str | None = None
    principal: PrincipalSpec | None = None
    not_principal: PrincipalSpec | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[ConditionClause, ...] = ()
    variables: bool = True
    index: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None


def _strings(value: object, path: str, problems: list[PolicyProblem]) -> tuple[str, ...] | None:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]" if isinstance(value, list) else path
        if not isinstance(item, str) or not item:
            problems.append(PolicyProblem(item_path, "expected a non-empty string"))
            continue
        out.append(item)
    if not items:
        problems.append(PolicyProblem(path, "must not be empty"))
    return tuple(out) if len(out) == len(items) and items else None


def _actions(value: object, path: str, problems: list[PolicyProblem]) -> tuple[str, ...] | None:
    actions = _strings(value, path, problems)
    if actions is None or all(":" in a or a == "*" for a in actions):
        return actions
    for i, action in enumerate(actions):
        if action != "*" and ":" not in action:
            where = f"{path}[{i}]" if isinstance(value, list) else path
            problems.append(PolicyProblem(where, f"action {action!r} must be 'service:Action'"))
    return actions


def _principal(value: object, path: str, problems: list[PolicyProblem]) -> PrincipalSpec | None:
    if value == "*":
        return PrincipalSpec(wildcard=True)
    if not isinstance(value, dict):
        problems.append(PolicyProblem(path, 'expected "*" or an object such as {"AWS": [...]}'))
        return None
    found: dict[str, tuple[str, ...]] = {}
    for key, item in value.items():
        if key not in _PRINCIPAL_TYPES:
            problems.append(PolicyProblem(f"{path}.{key}", f"unknown principal type {key!r}"))
            continue
        strings = _strings(item, f"{path}.{key}", problems)
        if strings is not None:
            found[key] = strings
    return PrincipalSpec(
        wildcard="*" in found.get("AWS", ()),
        aws=found.get("AWS", ()),
        service=found.get("Service", ()),
        federated=found.get("Federated", ()),
        canonical_user=found.get("CanonicalUser", ()),
    )


def _exclusive(
    raw: Mapping[str, Any], pair: tuple[str, str], path: str, problems: list[PolicyProblem]
) -> None:
    if pair[0] in raw and pair[1] in raw:
        problems.append(PolicyProblem(path, f"{pair[0]} and {pair[1]} cannot both be present"))


def _check_statement_keys(raw: Mapping[str, Any], path: str, problems: list[PolicyProblem]) -> None:
    for key in raw:
        if key not in _STATEMENT_KEYS:
            problems.append(PolicyProblem(f"{path}.{key}", f"unknown statement element {key!r}"))
    for pair in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        _exclusive(raw, pair, path, problems)
    if "Action" not in raw and "NotAction" not in raw:
        problems.append(PolicyProblem(path, "a statement needs Action or NotAction"))


def _effect(raw: Mapping[str, Any], path: str, problems: list[PolicyProblem]) -> Effect:
    effect = raw.get("Effect")
    if effect == "Allow":
        return "Allow"
    if effect == "Deny":
        return "Deny"
    problems.append(
        PolicyProblem(f"{path}.Effect", f"Effect must be 'Allow' or 'Deny', not {effect!r}")
    )
    return "Deny"


def _optional(
    raw: Mapping[str, Any], key: str, path: str, problems: list[PolicyProblem], parse: Any
) -> Any:
    if key not in raw:
        return None
    return parse(raw[key], f"{path}.{key}", problems)


def _statement(
    raw: object, index: int, path: str, variables: bool, problems: list[PolicyProblem]
) -> Statement | None:
    if not isinstance(raw, dict):
        problems.append(PolicyProblem(path, "a statement must be an object"))
        return None
    before = len(problems)
    _check_statement_keys(raw, path, problems)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        problems.append(PolicyProblem(f"{path}.Sid", "Sid must be a string"))
    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        conditions = parse_condition_block(
            raw["Condition"], f"{path}.Condition", problems, variables=variables
        )
    statement = Statement(
        effect=_effect(raw, path, problems),
        sid=sid if isinstance(sid, str) else None,
        principal=_optional(raw, "Principal", path, problems, _principal),
        not_principal=_optional(raw, "NotPrincipal", path, problems, _principal),
        actions=_optional(raw, "Action", path, problems, _actions),
        not_actions=_optional(raw, "NotAction", path, problems, _actions),
        resources=_optional(raw, "Resource", path, problems, _strings),
        not_resources=_optional(raw, "NotResource", path, problems, _strings),
        conditions=conditions,
        variables=variables,
        index=index,
    )
    return statement if len(problems) == before else None


_STATEMENT_CACHE_LIMIT = 16384
_statements: dict[tuple[bytes, int, bool], Statement | tuple[PolicyProblem, ...]] = {}


def _cached_statement(
    raw: object, index: int, path: str, variables: bool, problems: list[PolicyProblem]
) -> Statement | None:
    """``_statement`` with a bounded cache keyed by the statement's JSON text.

    Policies repeat whole statements (the MFA guard, the TLS-only deny, the read-only
    block), so a batch of policies that are all different still parses most of their
    statements once. Problems are cached relative to the statement and located on use.
    """
    if not isinstance(raw, dict):
        return _statement(raw, index, path, variables, problems)
    key = (orjson.dumps(raw), index, variables)
    hit = _statements.get(key)
    if hit is None:
        found: list[PolicyProblem] = []
        parsed = _statement(raw, index, "", variables, found)
        hit = parsed if parsed is not None else tuple(found)
        if len(_statements) >= _STATEMENT_CACHE_LIMIT:
            _statements.clear()
        _statements[key] = hit
    if isinstance(hit, Statement):
        return hit
    problems.extend(PolicyProblem(f"{path}{p.path}" if p.path else path, p.message) for p in hit)
    return None


def _decode(document: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        return document
    try:
        decoded = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        raise PolicyParseError([PolicyProblem("", f"invalid JSON: {exc}")]) from None
    if not isinstance(decoded, dict):
        raise PolicyParseError([PolicyProblem("", "a policy must be a JSON object")])
    return decoded


def _header(raw: Mapping[str, Any], problems: list[PolicyProblem]) -> tuple[str | None, str | None]:
    for key in raw:
        if key not in ("Version", "Id", "Statement"):
            problems.append(PolicyProblem(key, f"unknown policy element {key!r}"))
    version = raw.get("Version")
    if version is not None and (not isinstance(version, str) or version not in _VERSIONS):
        problems.append(PolicyProblem("Version", f"unsupported Version {version!r}"))
    policy_id = raw.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        problems.append(PolicyProblem("Id", "Id must be a string"))
    if "Statement" not in raw:
        problems.append(PolicyProblem("Statement", "a policy needs a Statement"))
    return (
        version if isinstance(version, str) else None,
        policy_id if isinstance(policy_id, str) else None,
    )


def parse_policy(document: str | bytes | Mapping[str, Any]) -> Policy:
    """Parse a policy from JSON text, bytes or an already-decoded object.

    Raises ``PolicyParseError`` listing every problem found, each with its JSON path
    (``Statement[2].Condition.StringEquals``).
    """
    raw = _decode(document)
    problems: list[PolicyProblem] = []
    version, policy_id = _header(raw, problems)
    variables = version == VERSION_2012
    body = raw.get("Statement", [])
    items = body if isinstance(body, list) else [body]
    statements: list[Statement] = []
    for i, item in enumerate(items):
        path = f"Statement[{i}]" if isinstance(body, list) else "Statement"
        parsed = _cached_statement(item, i, path, variables, problems)
        if parsed is not None:
            statements.append(parsed)
    if problems:
        raise PolicyParseError(problems)
    return Policy(tuple(statements), version, policy_id)
