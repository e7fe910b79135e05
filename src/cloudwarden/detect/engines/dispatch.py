"""Fast predicates for the streaming engine: generated code, and dispatch by a guard value.

**Generated predicates.** :func:`compile_fast` turns a rule's expression into the source of
one Python function (``exec``-ed once) in which every leaf is an inline expression instead
of three nested closures (getter, value test, leaf). A :class:`~cloudwarden.detect.rules.ir.Match`
on one of the plain string operators reads its field once and

* when the value is a plain string (every step a dict, no literal dotted key on the way; see
  :func:`~cloudwarden.detect.engines.fields.plain_getter`) applies the evaluator's own test
  inline -- ``equals`` is a membership in the evaluator's lower-cased constants, ``contains`` /
  ``startswith`` / ``endswith`` the same ``str`` methods, the other operators call the
  evaluator's value tests;
* when the field is missing or ``null``, fails (Sigma: a missing field never satisfies a
  positive condition; the evaluator's ``null`` compares as nothing) -- under a ``Not`` the
  generated ``not`` then holds, as in the evaluator;
* in any other case (a list, a number, an object, a literal dotted key) calls the evaluator's
  compiled leaf (``S<n>(r)``), so the answer is the reference one by construction.

``And`` / ``Or`` / ``Not`` become Python's ``and`` / ``or`` / ``not`` in the same order;
keywords, ``fieldref`` and anything unusual are the evaluator's compiled closures.

**Guard dispatch.** Most "always" rules (no ``eventSource`` / ``eventName`` restriction)
require a case-insensitive string equality on ``userIdentity.type``. :class:`GuardDispatch`
reads that field once per event and picks the rules whose guard admits the value; each then
runs only its other conjuncts (the guard is already known to hold). A value that is not a
plain string gets every guarded rule's full predicate; a missing one none of them.

**Candidate sets.** :func:`run_all` joins the expressions of the rules an event may match
(every rule's names carry its own prefix) into one function returning the indices that hold:
the engine's loop over per-rule predicates without a call per rule. Compiling one costs
about a millisecond, so the engine builds it only for candidate sets seen often.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cloudwarden.detect.engines.fields import MISSING, UNKNOWN, define, plain_getter
from cloudwarden.detect.rules.evaluate import Predicate, _const, _value_tests, compile_expr
from cloudwarden.detect.rules.hatch import EventFields, contain_hatch
from cloudwarden.detect.rules.ir import And, Expr, Match, Not, Or, Rule

__all__ = ["GuardDispatch", "compile_fast", "generate", "rule_code", "run_all"]

_PLAIN_OPS = frozenset(
    {"equals", "wildcard", "contains", "startswith", "endswith", "re", "cidr"}
    | {"lt", "lte", "gt", "gte", "neq"}
)
_STRING_OPS = frozenset({"equals", "contains", "startswith", "endswith"})


class _Source:
    """The source of one generated function and the objects its names refer to."""

    def __init__(self, tag: str = "") -> None:
        self.tag = tag  # prefixes every name, so sources of several rules can be joined
        self.names: dict[str, Any] = {"MISSING": MISSING}
        self._vars = 0

    def bind(self, prefix: str, obj: object) -> str:
        name = f"{self.tag}{prefix}{len(self.names)}"
        self.names[name] = obj
        return name

    def var(self) -> str:
        self._vars += 1
        return f"{self.tag}v{self._vars}"

    def expr(self, e: Expr) -> str:
        if isinstance(e, And | Or):
            if not e.args:  # all(()) / any(()) in the evaluator
                return "True" if isinstance(e, And) else "False"
            joiner = " and " if isinstance(e, And) else " or "
            return "(" + joiner.join(self.expr(a) for a in e.args) + ")"
        if isinstance(e, Not):
            return f"(not {self.expr(e.arg)})"
        if isinstance(e, Match):
            return self.match(e)
        return self.slow(e)

    def slow(self, e: Expr) -> str:
        return f"{self.bind('S', compile_expr(e))}(r)"

    def read(self, field: str, v: str) -> tuple[str, str]:
        """Two expressions on the field's value, as :func:`plain_getter` classifies it:
        ``(binds v and holds iff it is a plain string, holds iff it is missing)``; the
        second is only evaluated when the first failed."""
        parts = field.split(".")
        if len(parts) == 1:  # a top-level key, read inline: ``None`` is absent or null
            return f"type({v} := r.get({field!r})) is str", f"{v} is None"
        if len(parts) > 2:
            return (
                f"type({v} := {self.bind('G', plain_getter(field))}(r)) is str",
                f"{v} is MISSING",
            )
        # head.tail, inline for the common shapes (the getter decides the others): the
        # head is an object and no literal "head.tail" key sits beside it
        head, tail = parts
        o, get = f"{v}o", self.bind("G", plain_getter(field))
        plain = f"(type({o} := r.get({head!r})) is dict and type({v} := {o}.get({tail!r})) is str"
        absent = f"type({o}) is dict and {o}.get({tail!r}) is None"
        return (
            f"{plain} and {field!r} not in r)",
            f"(({absent} and {field!r} not in r) or {get}(r) is MISSING)",
        )

    def match(self, m: Match) -> str:
        if m.op in ("null", "exists"):
            want = m.op == "exists" and bool(m.values[0] if m.values else True)
            v = self.var()
            plain, missing = self.read(m.field, v)
            slow = self.slow(m)
            return f"({want} if {plain} else ({not want} if {missing} else {slow}))"
        if m.op not in _PLAIN_OPS:
            return self.slow(m)
        tests = _value_tests(m)
        if not tests:
            return self.slow(m)
        v = self.var()
        plain, missing = self.read(m.field, v)
        test = self.test(m, tests, v)
        return f"({test} if {plain} else (False if {missing} else {self.slow(m)}))"

    def test(self, m: Match, tests: Sequence[Callable[[Any], bool]], v: str) -> str:
        """The evaluator's value test(s) on the plain string ``v``."""
        if m.op in _STRING_OPS and not m.all:
            consts = tuple(_const(x, m.cased) for x in m.values)
            text = v if m.cased else f"{v}.lower()"
            if not consts:  # no value to compare with: the evaluator's test fails
                return "False"
            if m.op == "equals":
                wanted = self.bind("C", frozenset(consts))
                if m.cased:
                    return f"{v} in {wanted}"
                # lower-casing an ASCII string keeps its length: most unequal values are
                # told apart by their length alone, without lower-casing (long user agents)
                lengths = self.bind("L", frozenset(map(len, consts)))
                return f"((len({v}) in {lengths} or not {v}.isascii()) and {text} in {wanted})"
            if m.op == "contains":
                if len(consts) == 1:
                    return f"{consts[0]!r} in {text}"
                low = f"{v}l"
                first = f"{consts[0]!r} in ({low} := {text})"
                return "(" + " or ".join([first, *(f"{c!r} in {low}" for c in consts[1:])]) + ")"
            return f"{text}.{m.op}({self.bind('C', consts)})"
        calls = [f"{self.bind('T', t)}({v})" for t in tests]
        return "(" + (" and " if m.all else " or ").join(calls) + ")"


def _define(lines: list[str], names: dict[str, Any]) -> Any:
    return define(lines, names, "<cloudwarden.detect generated>")


def generate(expr: Expr, tag: str = "") -> tuple[str, dict[str, Any]]:
    """``expr`` as one expression on the record ``r`` (names prefixed with ``tag``), and the
    objects its names refer to."""
    src = _Source(tag)
    return src.expr(expr), src.names


def compile_fast(expr: Expr) -> Predicate:
    """``expr``'s predicate as one generated function; same answers as :func:`compile_expr`."""
    body, names = generate(expr)
    pred: Predicate = _define(["def predicate(r):", f"    return {body}"], names)
    return pred


Code = tuple[str, dict[str, Any]]
"""An expression on the record ``r`` and the names it refers to (see :func:`run_all`)."""


def rule_code(rule: Rule, expr: Expr | None = None, tag: str = "") -> tuple[Predicate, Code]:
    """The rule's detection (or ``expr`` in its place) AND-ed with its ``python:`` hatch, and
    the same test as an expression whose names start with ``tag`` (a rule with a hatch is a
    call of the predicate). The hatch is called contained
    (:func:`~cloudwarden.detect.rules.hatch.contain_hatch`): when it raises, the event does
    not match and the failure is counted against the rule."""
    body, names = generate(rule.detection if expr is None else expr, tag)
    pred: Predicate = _define(["def predicate(r):", f"    return {body}"], names)
    if not rule.python:
        return pred, (body, names)
    hatch = contain_hatch(rule)

    def with_hatch(record: Mapping[str, Any]) -> bool:
        return pred(record) and hatch(EventFields(record))

    return with_hatch, (f"{tag}P(r)", {f"{tag}P": with_hatch})


Runner = Callable[[Mapping[str, Any]], tuple[int, ...]]


def run_all(cands: Sequence[tuple[int, Code]]) -> Runner:
    """One generated function testing each candidate's expression in turn: the indices of
    those that hold, in the given order (the loop over per-rule predicates, without a call
    per rule)."""
    names: dict[str, Any] = {}
    lines = ["def run(r):", "    out = []"]
    for i, (body, refs) in cands:
        names.update(refs)
        lines += [f"    if {body}:", f"        out.append({i})"]
    lines.append("    return tuple(out)")
    run: Runner = _define(lines, names)
    return run


def _guards(expr: Expr) -> list[Match]:
    """The conjuncts usable as guards: case-insensitive equalities to plain strings."""
    conjuncts = expr.args if isinstance(expr, And) else (expr,)
    return [
        c
        for c in conjuncts
        if isinstance(c, Match)
        and c.op == "equals"
        and not c.all
        and not c.cased
        and c.values
        and all(isinstance(v, str) for v in c.values)
    ]


Candidate = tuple[int, Predicate]


class GuardDispatch:
    """The always-rules guarded on one field, selected by that field's value in one read.

    ``rules[i]`` for ``i`` in ``always``; ``full[i]`` is rule ``i``'s whole predicate. The
    field is the one most of these rules guard on. For each rule guarded on it, ``wanted``
    is the set of lower-cased values its guard conjuncts all admit (the intersection when
    several conjuncts test the field), and ``rest`` the predicate of its other conjuncts.
    """

    def __init__(self, rules: Sequence[Rule], always: Sequence[int], full: Sequence[Predicate]):
        self.code: dict[Predicate, Code] = {}  # the rest predicates' expressions
        fields = Counter(f for i in always for f in {m.field for m in _guards(rules[i].detection)})
        self.field: str | None = fields.most_common(1)[0][0] if fields else None
        guarded: list[tuple[int, frozenset[str], Predicate, Predicate]] = []
        for i in always:
            expr = rules[i].detection
            on_field = [m for m in _guards(expr) if m.field == self.field]
            if not on_field:
                continue
            wanted = frozenset.intersection(
                *(frozenset(str(v).lower() for v in m.values) for m in on_field)
            )
            conjuncts = expr.args if isinstance(expr, And) else (expr,)
            others = tuple(c for c in conjuncts if not any(c is m for m in on_field))
            rest = And(others) if len(others) != 1 else others[0]
            pred, code = rule_code(rules[i], rest, f"g{i}_")
            self.code[pred] = code
            guarded.append((i, wanted, pred, full[i]))
        self.guarded = tuple(guarded)
        self.indices = frozenset(i for i, *_ in guarded)
        self.read: Callable[[Mapping[str, Any]], object] = (
            plain_getter(self.field) if self.field is not None else lambda record: None
        )

    def select(self, value: object) -> list[Candidate]:
        """The guarded rules to run for the field's plain ``value`` (see ``plain_getter``)."""
        if type(value) is str:
            low = value.lower()
            return [(i, rest) for i, wanted, rest, _ in self.guarded if low in wanted]
        if value is MISSING:  # a missing field fails each rule's equality conjunct
            return []
        assert value is UNKNOWN or self.field is None
        return [(i, full) for i, _, _, full in self.guarded]
