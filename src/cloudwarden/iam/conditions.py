"""The Condition element: parsing of condition blocks and their evaluation.

Rules reproduced (AWS IAM User Guide, "IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys", "IAM JSON policy elements: Condition"):

* All operators of a block, and all keys under one operator, must hold (AND); the values
  listed for one key are alternatives (OR). For a negated operator (``StringNotEquals``,
  ``NotIpAddress``, ``ArnNotLike``, …) the request value must match *none* of them (NOR).
* Condition key names are case-insensitive.
* A key absent from the request: ``…IfExists`` → true; ``ForAllValues:`` → true;
  ``ForAnyValue:`` → false; a negated operator → true; any other operator → false.
  ``Null`` tests presence: ``"true"`` holds when the key is absent.
* ``ForAnyValue:`` holds when at least one request value satisfies the operator;
  ``ForAllValues:`` when every request value does (an empty set counts as absent).
* String and ARN operators accept policy variables; a variable that cannot be resolved
  (no value, no default) makes the whole clause false ("IAM policy elements: Variables
  and tags": an unresolvable variable invalidates the statement).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cloudwarden.iam.condition_ops import Family, OperatorSpec, Segments, lookup_operator
from cloudwarden.iam.errors import PolicyProblem
from cloudwarden.iam.variables import Template, parse_template, resolve_segments

__all__ = [
    "ConditionClause",
    "ConditionFailure",
    "ConditionValue",
    "clause_holds",
    "conditions_hold",
    "first_failure",
    "json_scalar_text",
    "parse_condition_block",
]

Lookup = Callable[[str], "str | list[str] | None"]
FOR_ALL = "ForAllValues"
FOR_ANY = "ForAnyValue"
_QUALIFIERS = {"forallvalues": FOR_ALL, "foranyvalue": FOR_ANY}
_IF_EXISTS = "ifexists"


@dataclass(frozen=True, slots=True)
class ConditionValue:
    """One policy value: its text, its template if it holds variables, its prepared form."""

    raw: str
    template: Template | None
    prepared: Any


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a Condition block."""

    operator: str
    spec: OperatorSpec
    qualifier: str | None
    if_exists: bool
    key: str
    key_lower: str
    values: tuple[ConditionValue, ...]
    operands: tuple[Any, ...] | None = None
    operand_set: frozenset[Any] | None = None

    @classmethod
    def build(
        cls,
        operator: str,
        spec: OperatorSpec,
        qualifier: str | None,
        if_exists: bool,
        key: str,
        values: tuple[ConditionValue, ...],
    ) -> ConditionClause:
        """A clause with its static operands precomputed (a set for equality operators)."""
        static = all(v.template is None for v in values)
        operands = tuple(v.prepared for v in values) if static else None
        operand_set = frozenset(operands) if operands is not None and spec.equality else None
        return cls(
            operator, spec, qualifier, if_exists, key, key.lower(), values, operands, operand_set
        )


@dataclass(frozen=True, slots=True)
class ConditionFailure:
    """Why a clause did not hold: the values it expected and those the request had."""

    operator: str
    key: str
    expected: tuple[str, ...]
    actual: tuple[str, ...] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "key": self.key,
            "expected": list(self.expected),
            "actual": None if self.actual is None else list(self.actual),
        }


def json_scalar_text(value: object) -> str | None:
    """The string form IAM gives a JSON scalar in a policy or request (``true`` → ``"true"``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def _split_operator(name: str) -> tuple[str | None, str, bool]:
    qualifier = None
    base = name
    head, sep, tail = name.partition(":")
    if sep:
        qualifier = _QUALIFIERS.get(head.lower(), head)
        base = tail
    if_exists = base.lower().endswith(_IF_EXISTS) and len(base) > len(_IF_EXISTS)
    if if_exists:
        base = base[: -len(_IF_EXISTS)]
    return qualifier, base, if_exists


@lru_cache(maxsize=1024)
def _operator(name: str) -> tuple[OperatorSpec | None, str | None, bool, str]:
    """The base operator, qualifier and ``IfExists`` flag of an operator name, or the
    reason it is invalid (cached: policies use a handful of operator names)."""
    qualifier, base, if_exists = _split_operator(name)
    spec = lookup_operator(base)
    if qualifier is not None and qualifier not in (FOR_ALL, FOR_ANY):
        return None, qualifier, if_exists, f"unknown set operator {qualifier!r}"
    if spec is None:
        return None, qualifier, if_exists, f"unknown condition operator {name!r}"
    if spec.family is Family.NULL and (if_exists or qualifier):
        return (
            None,
            qualifier,
            if_exists,
            "Null cannot take IfExists or a set operator (AWS rejects it)",
        )
    return spec, qualifier, if_exists, ""


def _resolve_spec(name: str, path: str, problems: list[PolicyProblem]) -> OperatorSpec | None:
    spec, _, _, error = _operator(name)
    if error:
        problems.append(PolicyProblem(path, error))
    return spec


@lru_cache(maxsize=65536)
def _prepared(operator: str, raw: str) -> tuple[Any, str]:
    """A policy value prepared once for its operator (a regex, a network, a number, a date),
    or the reason it is invalid. Prepared values are immutable, so they can be shared."""
    spec = lookup_operator(operator)
    assert spec is not None
    try:
        return spec.prepare(((raw, False),)), ""
    except ValueError as exc:
        return None, str(exc)


def _parse_value(
    spec: OperatorSpec, raw: str, variables: bool, path: str, problems: list[PolicyProblem]
) -> ConditionValue | None:
    template = parse_template(raw) if (variables and spec.variables and "${" in raw) else None
    if template is not None:
        return ConditionValue(raw, template, None)
    prepared, error = _prepared(spec.name, raw)
    if error:
        problems.append(PolicyProblem(path, error))
        return None
    return ConditionValue(raw, None, prepared)


def _parse_values(
    spec: OperatorSpec, value: object, variables: bool, path: str, problems: list[PolicyProblem]
) -> tuple[ConditionValue, ...] | None:
    items = value if isinstance(value, list) else [value]
    out: list[ConditionValue] = []
    ok = True
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]" if isinstance(value, list) else path
        text = json_scalar_text(item)
        if text is None:
            problems.append(
                PolicyProblem(item_path, "condition values must be strings, numbers or booleans")
            )
            ok = False
            continue
        parsed = _parse_value(spec, text, variables, item_path, problems)
        ok = ok and parsed is not None
        if parsed is not None:
            out.append(parsed)
    return tuple(out) if ok else None


def parse_condition_block(
    block: object, path: str, problems: list[PolicyProblem], *, variables: bool
) -> tuple[ConditionClause, ...]:
    """Parse ``{"Operator": {"key": value-or-list}}``; problems are appended, not raised."""
    if not isinstance(block, dict):
        problems.append(PolicyProblem(path, "Condition must be an object"))
        return ()
    clauses: list[ConditionClause] = []
    for op_name, keys in block.items():
        op_path = f"{path}.{op_name}"
        spec = _resolve_spec(str(op_name), op_path, problems)
        if not isinstance(keys, dict):
            problems.append(PolicyProblem(op_path, "expected an object of condition keys"))
            continue
        if spec is None:
            continue
        for key, value in keys.items():
            clause = _clause(str(op_name), spec, str(key), value, variables, op_path, problems)
            if clause is not None:
                clauses.append(clause)
    return tuple(clauses)


_CLAUSE_CACHE_LIMIT = 16384
_clauses: dict[tuple[object, ...], ConditionClause] = {}


def _clause(
    operator: str,
    spec: OperatorSpec,
    key: str,
    value: object,
    variables: bool,
    op_path: str,
    problems: list[PolicyProblem],
) -> ConditionClause | None:
    """One ``key: values`` entry as a clause; valid clauses are cached by their text, since
    policies repeat the same conditions (TLS only, MFA present, the organisation id)."""
    cache_key: tuple[object, ...] = ()
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        frozen = tuple(value) if isinstance(value, list) else value
        cache_key = (operator, key, frozen, isinstance(value, list), variables)
        hit = _clauses.get(cache_key)
        if hit is not None:
            return hit
    values = _parse_values(spec, value, variables, f"{op_path}.{key}", problems)
    if values is None:
        return None
    _, qualifier, if_exists, _ = _operator(operator)
    clause = ConditionClause.build(operator, spec, qualifier, if_exists, key, values)
    if cache_key:
        if len(_clauses) >= _CLAUSE_CACHE_LIMIT:
            _clauses.clear()
        _clauses[cache_key] = clause
    return clause


def _request_values(clause: ConditionClause, lookup: Lookup) -> Sequence[str] | None:
    raw = lookup(clause.key_lower)
    if raw is None:
        return None
    if isinstance(raw, str):
        return (raw,)
    return raw or None


def _operands(clause: ConditionClause, lookup: Lookup) -> tuple[Any, ...] | None:
    if clause.operands is not None:
        return clause.operands
    out: list[Any] = []
    for value in clause.values:
        if value.template is None:
            out.append(value.prepared)
            continue
        segments: Segments | None = resolve_segments(value.template, lookup)
        if segments is None:
            return None
        try:
            out.append(clause.spec.prepare(segments))
        except ValueError:
            return None
    return tuple(out)


def _matches(
    spec: OperatorSpec, text: str, operands: tuple[Any, ...], operand_set: frozenset[Any] | None
) -> bool:
    """The positive comparison of one request value against the policy values (OR)."""
    value = text if spec.read is str else spec.read(text)
    if value is None:
        return False
    if operand_set is not None:
        return value in operand_set
    compare = spec.compare
    return any(compare(value, operand) for operand in operands)


def _evaluate_present(
    clause: ConditionClause,
    values: Sequence[str],
    operands: tuple[Any, ...],
    operand_set: frozenset[Any] | None,
) -> bool:
    spec = clause.spec
    negated = spec.negated
    if clause.qualifier is None:
        for text in values:
            if _matches(spec, text, operands, operand_set):
                return not negated
        return negated
    if clause.qualifier == FOR_ANY:
        return any(_matches(spec, t, operands, operand_set) != negated for t in values)
    return all(_matches(spec, t, operands, operand_set) != negated for t in values)


def _absent(clause: ConditionClause) -> bool:
    if clause.if_exists or clause.qualifier == FOR_ALL:
        return True
    if clause.qualifier == FOR_ANY:
        return False
    return clause.spec.negated


def clause_holds(clause: ConditionClause, lookup: Lookup) -> bool:
    """Whether one clause holds for the request whose context ``lookup`` reads."""
    raw = lookup(clause.key_lower)
    spec = clause.spec
    if spec.family is Family.NULL:
        absent = raw is None or (not isinstance(raw, str) and not raw)
        return any(v.prepared == absent for v in clause.values)
    if raw is None or (not isinstance(raw, str) and not raw):
        return _absent(clause)
    operands = clause.operands
    operand_set = clause.operand_set
    if operands is None:
        operands = _operands(clause, lookup)
        operand_set = None
        if operands is None:
            return False
    if isinstance(raw, str):
        if clause.qualifier is None:
            return _matches(spec, raw, operands, operand_set) != spec.negated
        raw = [raw]
    return _evaluate_present(clause, raw, operands, operand_set)


def conditions_hold(clauses: Sequence[ConditionClause], lookup: Lookup) -> bool:
    """All clauses hold (the AND across operators and keys)."""
    return all(clause_holds(c, lookup) for c in clauses)


def _actual(clause: ConditionClause, lookup: Lookup) -> tuple[str, ...] | None:
    values = _request_values(clause, lookup)
    return None if values is None else tuple(values)


def first_failure(clauses: Sequence[ConditionClause], lookup: Lookup) -> ConditionFailure | None:
    """The first clause that does not hold, described for an explanation."""
    for clause in clauses:
        if not clause_holds(clause, lookup):
            return ConditionFailure(
                clause.operator,
                clause.key,
                tuple(v.raw for v in clause.values),
                _actual(clause, lookup),
            )
    return None
