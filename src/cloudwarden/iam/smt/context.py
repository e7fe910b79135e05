"""The request context as z3 variables, and the Condition element as z3 formulas.

Each condition key the policies mention becomes a list of value slots and a count (the
number of values the request carries; 0 means the key is absent, as an empty list is for
the engine, choice 18 of docs/iam-semantics.md). The sort of a slot follows the operator
family that reads the key: strings for String, ARN, Bool and Null; a scaled integer for
Numeric (plus "parses as a number"); microseconds since the epoch for Date (plus "parses
as a date"); version and integer address for IP; the index of a policy literal for Binary.
Every clause is encoded as ``cloudwarden.iam.conditions.clause_holds`` evaluates it.

Multivalued keys (catalogue type ``ArrayOf…``, or read with ``ForAllValues`` /
``ForAnyValue``) get ``clauses + 2`` slots: each clause is an "exists a value" or "every
value" statement, so any request can be cut down to one value per clause (a witness for
each true "exists", a counterexample for each false "every") plus two (so that "exactly
one value", which decides a policy variable, keeps its truth) without changing any
clause. Up to ``MAX_SLOTS`` that is exact; beyond it the check says it is bounded.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import z3

from cloudwarden.iam.condition_ops import Family
from cloudwarden.iam.conditions import FOR_ALL, FOR_ANY, ConditionClause
from cloudwarden.iam.policy import Statement
from cloudwarden.iam.smt.regex import ANY, ARN_SHAPE, arn_glob, ci_literal, glob, literal, sequence
from cloudwarden.iam.validate.knowledge import is_multivalued
from cloudwarden.iam.variables import Literal, Variable

__all__ = ["MAX_SLOTS", "ContextEncoding", "UnsupportedError"]

MAX_SLOTS = 6
Expr = Any  # z3 expressions; z3 ships no type stubs
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_US = (datetime(1, 1, 2, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_MAX_US = (datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_TYPED = {Family.NUMERIC: "numeric", Family.DATE: "date", Family.IP: "ip", Family.BINARY: "binary"}


class UnsupportedError(Exception):
    """A construct the encoding cannot decide exactly; the check answers "unknown"."""


@dataclass
class _KeyUse:
    name: str
    families: set[Family] = field(default_factory=set)
    clauses: int = 0
    qualified: bool = False
    variable: bool = False
    scale: int = 0
    binaries: list[bytes] = field(default_factory=list)


def _survey(statements: Iterable[Statement]) -> dict[str, _KeyUse]:
    uses: dict[str, _KeyUse] = {}
    for st in statements:
        for clause in st.conditions:
            use = uses.setdefault(clause.key_lower, _KeyUse(clause.key))
            use.families.add(clause.spec.family)
            use.clauses += 1
            use.qualified = use.qualified or clause.qualifier is not None
            for value in clause.values:
                _note_value(uses, use, clause, value.prepared, value.template)
    return uses


def _note_value(
    uses: dict[str, _KeyUse], use: _KeyUse, clause: ConditionClause, prepared: Any, template: Any
) -> None:
    if template is not None:
        for part in template:
            if isinstance(part, Variable):
                var_use = uses.setdefault(part.key, _KeyUse(part.key))
                var_use.variable = True
                var_use.clauses += 1
        return
    family = clause.spec.family
    if family is Family.NUMERIC and isinstance(prepared, Decimal):
        exponent = prepared.as_tuple().exponent
        use.scale = max(use.scale, -exponent if isinstance(exponent, int) else 0)
    elif family is Family.BINARY and prepared not in use.binaries:
        use.binaries.append(prepared)


@dataclass
class _Key:
    name: str
    rep: str
    count: Expr
    slots: list[tuple[Expr, ...]]
    multivalued: bool
    tied: bool
    scale: int = 0
    binaries: tuple[bytes, ...] = ()


def _rep(use: _KeyUse) -> str:
    reps = {_TYPED.get(f, "string") for f in use.families if f is not Family.NULL}
    if use.variable:
        reps.add("string")
    if len(reps) > 1:
        raise UnsupportedError(f"{use.name} is read both as {' and '.join(sorted(reps))}")
    return reps.pop() if reps else "string"


class ContextEncoding:
    """The context keys of a set of statements, with their universe constraints in
    ``facts``. ``tied`` gives, for keys the engine derives from the principal or the
    resource, their (present, value) as functions of the encoded principal."""

    def __init__(
        self, statements: Iterable[Statement], tied: Mapping[str, tuple[Expr, Expr]]
    ) -> None:
        self.facts: list[Expr] = []
        self.bounded = False
        self.keys: dict[str, _Key] = {}
        for key, use in _survey(statements).items():
            self.keys[key] = self._allocate(key, use, tied.get(key))

    def _allocate(self, key: str, use: _KeyUse, tied: tuple[Expr, Expr] | None) -> _Key:
        rep = _rep(use)
        if tied is not None:
            if rep != "string":
                raise UnsupportedError(f"{use.name} is derived from the request but read as {rep}")
            present, value = tied
            return _Key(use.name, rep, z3.If(present, 1, 0), [(value,)], False, True)
        multivalued = use.qualified or bool(is_multivalued(use.name))
        size = 1
        if multivalued:
            size = use.clauses + 2
            if size > MAX_SLOTS:
                self.bounded = True
                size = MAX_SLOTS
        count = z3.Int(f"n|{key}")
        self.facts.append(z3.And(count >= 0, count <= size))
        slots = [self._slot(key, i, rep, use) for i in range(size)]
        return _Key(use.name, rep, count, slots, multivalued, False, use.scale, tuple(use.binaries))

    def _slot(self, key: str, i: int, rep: str, use: _KeyUse) -> tuple[Expr, ...]:
        tag = f"{key}|{i}"
        if rep == "string":
            s = z3.String(f"s|{tag}")
            self.facts.append(z3.InRe(s, ANY))
            return (s,)
        if rep in ("numeric", "date"):
            ok, n = z3.Bool(f"ok|{tag}"), z3.Int(f"v|{tag}")
            if rep == "date":
                self.facts.append(z3.And(n >= _MIN_US, n <= _MAX_US))
            return ok, n
        if rep == "ip":
            ver, addr = z3.Int(f"ipv|{tag}"), z3.Int(f"ip|{tag}")
            self.facts.append(z3.Or(ver == 0, ver == 4, ver == 6))
            self.facts.append(z3.And(addr >= 0, z3.Implies(ver == 4, addr < 2**32), addr < 2**128))
            return ver, addr
        choice = z3.Int(f"bin|{tag}")
        self.facts.append(z3.And(choice >= -1, choice < len(use.binaries)))
        return (choice,)

    # --- clauses -----------------------------------------------------------------------

    def holds(self, clauses: Iterable[ConditionClause]) -> Expr:
        return z3.And(*[self.clause(c) for c in clauses])

    def clause(self, c: ConditionClause) -> Expr:
        key = self.keys[c.key_lower]
        absent = key.count == 0
        if c.spec.family is Family.NULL:
            return z3.Or(*[absent if v.prepared else z3.Not(absent) for v in c.values])
        defined, operands = self._operands(c, key)
        negated = c.spec.negated
        matches = [
            (key.count > i, self._match(c, key, slot, operands)) for i, slot in enumerate(key.slots)
        ]
        if c.qualifier is None:
            anyone = z3.Or(*[z3.And(active, m) for active, m in matches])
            present = z3.Not(anyone) if negated else anyone
        elif c.qualifier == FOR_ANY:
            present = z3.Or(*[z3.And(a, z3.Not(m) if negated else m) for a, m in matches])
        else:
            present = z3.And(*[z3.Implies(a, z3.Not(m) if negated else m) for a, m in matches])
        when_absent = c.if_exists or c.qualifier == FOR_ALL or (c.qualifier != FOR_ANY and negated)
        return z3.If(absent, z3.BoolVal(when_absent), z3.And(defined, present))

    def _operands(self, c: ConditionClause, key: _Key) -> tuple[Expr, list[Any]]:
        """The policy values, with policy variables resolved as ``resolve_segments`` does;
        the first item says whether every variable resolved."""
        if all(v.template is None for v in c.values):
            return z3.BoolVal(True), [v.prepared for v in c.values]
        if c.spec.name not in ("StringEquals", "StringNotEquals"):
            raise UnsupportedError(
                f"policy variables in {c.operator} values are not encoded (only in StringEquals"
                " / StringNotEquals)"
            )
        defined: list[Expr] = []
        out: list[Any] = []
        for value in c.values:
            if value.template is None:
                out.append(z3.StringVal(value.prepared))
                continue
            parts: list[Expr] = []
            for part in value.template:
                if isinstance(part, str):
                    parts.append(z3.StringVal(part))
                elif isinstance(part, Literal):
                    parts.append(z3.StringVal(part.text))
                else:
                    ok, text = self._variable(part)
                    defined.append(ok)
                    parts.append(text)
            out.append(parts[0] if len(parts) == 1 else z3.Concat(*parts))
        return z3.And(*defined), out

    def _variable(self, var: Variable) -> tuple[Expr, Expr]:
        """A multivalued key resolves a variable only with exactly one value (choice 20)."""
        key = self.keys[var.key]
        one = key.count == 1
        if var.default is None:
            return one, key.slots[0][0]
        return z3.BoolVal(True), z3.If(one, key.slots[0][0], z3.StringVal(var.default))

    def _match(self, c: ConditionClause, key: _Key, slot: tuple[Expr, ...], ops: list[Any]) -> Expr:
        family = c.spec.family
        if family is Family.STRING:
            return z3.Or(*[self._string(c.spec.name, slot[0], op) for op in ops])
        if family is Family.ARN:
            shaped = z3.InRe(slot[0], ARN_SHAPE)
            return z3.And(
                shaped,
                z3.Or(
                    *[z3.InRe(slot[0], arn_glob(op.segments, swallow_short=False)) for op in ops]
                ),
            )
        if family is Family.BOOL:
            return z3.Or(*[_bool_match(slot[0], op) for op in ops])
        if family in (Family.NUMERIC, Family.DATE):
            ok, n = slot
            bound = [
                _scaled(op, key.scale) if family is Family.NUMERIC else _micros(op) for op in ops
            ]
            return z3.And(ok, z3.Or(*[_compare(c.spec.name, n, b) for b in bound]))
        if family is Family.IP:
            ver, addr = slot
            return z3.Or(*[_in_network(ver, addr, op) for op in ops])
        return z3.Or(*[slot[0] == key.binaries.index(op) for op in ops])

    @staticmethod
    def _string(name: str, value: Expr, op: Any) -> Expr:
        if name == "StringEqualsIgnoreCase":
            return z3.InRe(value, ci_literal(op)) if op.isascii() else z3.BoolVal(False)
        if name == "StringLike":
            return z3.InRe(value, glob(op.pattern))
        return value == (z3.StringVal(op) if isinstance(op, str) else op)

    # --- witness -----------------------------------------------------------------------

    def witness(self, model: Any, derived: frozenset[str]) -> dict[str, str | list[str]]:
        """The context of a model: free keys only (tied keys are left to the engine);
        an absent key the engine would derive is given as an empty list."""
        out: dict[str, str | list[str]] = {}
        for key_lower, key in self.keys.items():
            if key.tied:
                continue
            count = model.eval(key.count, model_completion=True).as_long()
            values = [_text(model, key, slot) for slot in key.slots[:count]]
            if not values:
                if key_lower in derived:
                    out[key.name] = []
                continue
            out[key.name] = values if key.multivalued else values[0]
        return out


def _bool_match(value: Expr, op: str) -> Expr:
    if not op.isascii():
        return z3.BoolVal(False)
    spaces = z3.Star(literal(" "))
    return z3.InRe(value, sequence([spaces, ci_literal(op), spaces]))


def _scaled(value: Decimal, scale: int) -> int:
    return int(value.scaleb(scale))


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def _compare(name: str, n: Expr, bound: int) -> Expr:
    op = name.removeprefix("Numeric").removeprefix("Date")
    if op in ("Equals", "NotEquals"):
        return n == bound
    return {
        "LessThan": n < bound,
        "LessThanEquals": n <= bound,
        "GreaterThan": n > bound,
        "GreaterThanEquals": n >= bound,
    }[op]


def _in_network(ver: Expr, addr: Expr, net: Any) -> Expr:
    low, high = int(net.network_address), int(net.broadcast_address)
    return z3.And(ver == net.version, addr >= low, addr <= high)


def _text(model: Any, key: _Key, slot: tuple[Expr, ...]) -> str:
    def ev(e: Expr) -> Any:
        return model.eval(e, model_completion=True)

    if key.rep == "string":
        return str(ev(slot[0]).as_string())
    if key.rep == "numeric":
        if not z3.is_true(ev(slot[0])):
            return "not-a-number"
        return str(Decimal(ev(slot[1]).as_long()).scaleb(-key.scale))
    if key.rep == "date":
        if not z3.is_true(ev(slot[0])):
            return "not-a-date"
        return (_EPOCH + timedelta(microseconds=ev(slot[1]).as_long())).isoformat()
    if key.rep == "ip":
        version = ev(slot[0]).as_long()
        if version == 0:
            return "not-an-ip"
        addr = ev(slot[1]).as_long()
        return str(ipaddress.IPv4Address(addr) if version == 4 else ipaddress.IPv6Address(addr))
    index = ev(slot[0]).as_long()
    if index >= 0:
        return base64.b64encode(key.binaries[index]).decode()
    other = b""
    while other in key.binaries:
        other += b"\x00"
    return base64.b64encode(other).decode()
