"""Reference evaluator: the semantics every detection engine must reproduce.

Semantics (Sigma rules specification, "Detection" and "Value modifiers"):

* **Fields** are dotted paths into nested JSON (``userIdentity.type``). A key that itself
  contains dots is tried first, so flattened events work too. When a path crosses a list,
  every element is followed and the condition holds if *any* reached value matches.
* **Missing fields** never satisfy a positive condition; under ``not`` the condition therefore
  holds (two-valued logic, unlike SQL's ``NULL``). ``null`` matches an absent field or a JSON
  ``null``; ``exists: true`` is its negation.
* **Strings** compare case-insensitively (``str.lower``) unless the rule says ``cased``.
  ``re`` is case-sensitive unless its ``i`` flag is given and searches unanchored, like the
  Sigma backends' regex operators.
* **Numbers and booleans** are compared through their text form, so a rule value ``1`` matches
  an event's ``1``, ``1.0`` or ``"1"``, and ``false`` matches ``false`` or ``"False"``
  (CloudTrail mixes both). Numeric comparisons (``lt`` ...) accept numbers and numeric
  strings; anything else does not match. A JSON object reached by a path is compared through
  its compact JSON text (``{"status":"Suspended"}``), as a SIEM or SQL engine holding nested
  CloudTrail parts as JSON text would: SigmaHQ rules such as ``requestParameters|contains``
  rely on it.
* **Keywords** search each pattern anywhere inside every string value of the event.

Expressions are compiled once into closures (lower-cased constants, compiled regexes) so the
per-event cost is a few dictionary lookups.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import singledispatch
from typing import Any

from cloudwarden.detect.rules.ir import And, Expr, Keyword, Match, Not, Or, Rule, Value

Predicate = Callable[[Mapping[str, Any]], bool]
ValueTest = Callable[[Any], bool]
Getter = Callable[[Mapping[str, Any]], list[Any]]

__all__ = ["Predicate", "compile_expr", "compile_rule", "matches", "wildcard_regex"]


def matches(rule_or_expr: Rule | Expr, event: Mapping[str, Any]) -> bool:
    """Whether ``event`` satisfies the rule's detection (compiles on every call; see compile_*)."""
    expr = rule_or_expr.detection if isinstance(rule_or_expr, Rule) else rule_or_expr
    return compile_expr(expr)(event)


def compile_rule(rule: Rule) -> Predicate:
    return compile_expr(rule.detection)


def compile_expr(expr: Expr) -> Predicate:
    return _compile(expr)


@singledispatch
def _compile(expr: Any) -> Predicate:
    raise TypeError(f"not a detection expression: {expr!r}")


@_compile.register
def _(expr: And) -> Predicate:
    parts = tuple(_compile(a) for a in expr.args)
    return lambda event: all(p(event) for p in parts)


@_compile.register
def _(expr: Or) -> Predicate:
    parts = tuple(_compile(a) for a in expr.args)
    return lambda event: any(p(event) for p in parts)


@_compile.register
def _(expr: Not) -> Predicate:
    inner = _compile(expr.arg)
    return lambda event: not inner(event)


@_compile.register
def _(expr: Keyword) -> Predicate:
    regexes = [re.compile(wildcard_regex(v), re.IGNORECASE | re.DOTALL) for v in expr.values]

    def found(event: Mapping[str, Any], rx: re.Pattern[str]) -> bool:
        return any(rx.search(s) for s in _strings(event))

    if expr.all:
        return lambda event: all(found(event, rx) for rx in regexes)
    return lambda event: any(found(event, rx) for rx in regexes)


@_compile.register
def _(expr: Match) -> Predicate:
    get = _getter(expr.field)
    if expr.op in ("null", "exists"):
        want_present = expr.op == "exists" and bool(expr.values[0] if expr.values else True)

        def present(event: Mapping[str, Any]) -> bool:
            return any(v is not None for v in get(event))

        if want_present:
            return present
        return lambda event: not present(event)
    if expr.op.startswith("fieldref"):
        return _fieldref(expr, get)
    tests = _value_tests(expr)

    def any_value(event: Mapping[str, Any], test: ValueTest) -> bool:
        return any(test(v) for v in get(event))

    if expr.all:
        return lambda event: all(any_value(event, t) for t in tests)
    if len(tests) == 1:
        test = tests[0]
        return lambda event: any(test(v) for v in get(event))
    return lambda event: any(t(v) for v in get(event) for t in tests)


# ---- field access -------------------------------------------------------------------


def _getter(field: str) -> Getter:
    parts = tuple(field.split("."))
    if len(parts) == 1:

        def top(event: Mapping[str, Any]) -> list[Any]:
            v = event.get(field)
            if v is None:
                return [] if field not in event else [None]
            return _flatten(v) if isinstance(v, list) else [v]

        return top
    return lambda event: list(_walk(event, parts))


def _walk(obj: Any, parts: tuple[str, ...]) -> Iterator[Any]:
    if isinstance(obj, list):
        for item in obj:
            yield from _walk(item, parts)
        return
    if not parts:
        yield obj
        return
    if not isinstance(obj, Mapping):
        return
    for i in range(len(parts), 0, -1):  # a literal dotted key first ("a.b"), then "a" -> "b"
        key = ".".join(parts[:i])
        if key in obj:
            yield from _walk(obj[key], parts[i:])
            return


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(_flatten(v))
        else:
            out.append(v)
    return out


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _text(v: Any) -> str | None:
    """The text Sigma compares: strings as is, numbers and booleans in JSON spelling."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, Mapping):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return None


#: the text a numeric comparison (lt, lte, gt, gte, neq) takes as a number: ASCII digits, an
#: optional sign, point and exponent. Python's float() also takes spaces, underscores,
#: non-ASCII digits, "nan" and "inf", SQL casts take some of them; this grammar is what
#: every engine reads alike (the SQL compiler tests the same pattern)
NUMBER_PATTERN = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN, re.ASCII)


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str) and _NUMBER.fullmatch(v):
        return float(v)
    return None


# ---- value tests ----------------------------------------------------------------------


def wildcard_regex(pattern: str) -> str:
    r"""Translate a Sigma pattern (``*``, ``?``, ``\`` escaping them or itself) to a regex."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def _value_tests(m: Match) -> list[ValueTest]:
    if m.op in ("lt", "lte", "gt", "gte", "neq"):
        return [_compare(m.op, float(v)) for v in m.values]
    if m.op == "cidr":
        return [_cidr(str(v)) for v in m.values]
    if m.op == "re":
        flags = _regex_flags(m.regex_flags)
        return [_regex(re.compile(str(v), flags)) for v in m.values]
    if m.op == "wildcard":
        flags = re.DOTALL | (0 if m.cased else re.IGNORECASE)
        return [
            _regex(re.compile(wildcard_regex(str(v)) + r"\Z", flags), full=True) for v in m.values
        ]
    consts = [_const(v, m.cased) for v in m.values]
    if m.all:
        return [_string_test(m.op, (c,), m.cased) for c in consts]
    return [_string_test(m.op, tuple(consts), m.cased)]


def _const(v: Value, cased: bool) -> str:
    t = _text(v)
    assert t is not None
    return t if cased else t.lower()


def _string_test(op: str, consts: tuple[str, ...], cased: bool) -> ValueTest:
    norm: Callable[[str], str] = str if cased else str.lower
    if op == "equals":
        wanted = frozenset(consts)

        def equals(v: Any) -> bool:
            t = v if isinstance(v, str) else _text(v)
            return t is not None and norm(t) in wanted

        return equals
    check: Callable[[str], bool]
    if op == "contains":
        check = lambda t: any(c in t for c in consts)  # noqa: E731
    elif op == "startswith":
        check = lambda t: t.startswith(consts)  # noqa: E731
    elif op == "endswith":
        check = lambda t: t.endswith(consts)  # noqa: E731
    else:
        raise ValueError(f"unknown match operator {op!r}")

    def test(v: Any) -> bool:
        t = v if isinstance(v, str) else _text(v)
        return t is not None and check(norm(t))

    return test


def _regex(rx: re.Pattern[str], full: bool = False) -> ValueTest:
    run = rx.match if full else rx.search
    needle = required_literal(rx)
    if needle:

        def screened(v: Any) -> bool:
            t = v if isinstance(v, str) else _text(v)
            return t is not None and needle in t and run(t) is not None

        return screened

    def test(v: Any) -> bool:
        t = v if isinstance(v, str) else _text(v)
        return t is not None and run(t) is not None

    return test


def required_literal(rx: re.Pattern[str]) -> str:
    """The longest run of literal characters that every match of ``rx`` contains, or ``""``.

    Read from the pattern's parse tree: consecutive ``LITERAL`` items at its top level (a
    concatenation: a match matches each in turn, so the run appears verbatim in the text).
    Anything else -- classes, branches, repeats, groups, anchors -- ends a run. Case-folding
    patterns (``(?i)`` or the flag) give ``""``: their literals need not appear as written.
    A substring test is several times cheaper than a regex search, and most values fail it.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]  # the stdlib's own parser

        tree = _parser.parse(rx.pattern, rx.flags)
        if tree.state.flags & re.IGNORECASE:
            return ""
        literal = _parser.LITERAL
        best: list[str] = []
        run: list[str] = []
        for op, arg in tree:
            if op is literal:
                run.append(chr(arg))
                continue
            best = max(best, run, key=len)
            run = []
        best = max(best, run, key=len)
    except Exception:  # a private module: without it, no screening
        return ""
    return "".join(best) if len(best) >= 3 else ""


def _regex_flags(letters: str) -> int:
    table = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
    flags = 0
    for letter in letters:
        flags |= table[letter]
    return flags


def _cidr(spec: str) -> ValueTest:
    network = ipaddress.ip_network(spec, strict=False)

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return test


def _compare(op: str, bound: float) -> ValueTest:
    cmp: Callable[[float], bool] = {
        "lt": lambda x: x < bound,
        "lte": lambda x: x <= bound,
        "gt": lambda x: x > bound,
        "gte": lambda x: x >= bound,
        "neq": lambda x: x != bound,
    }[op]

    def test(v: Any) -> bool:
        n = _number(v)
        return n is not None and cmp(n)

    return test


def _fieldref(m: Match, get: Getter) -> Predicate:
    """Sigma ``fieldref``: the field equals (starts/ends with) another field's value."""
    others = [_getter(str(f)) for f in m.values]
    norm: Callable[[str], str] = str if m.cased else str.lower
    relate: Callable[[str, str], bool] = {
        "fieldref": lambda a, b: a == b,
        "fieldref_startswith": lambda a, b: a.startswith(b),
        "fieldref_endswith": lambda a, b: a.endswith(b),
    }[m.op]

    def texts(values: list[Any]) -> list[str]:
        return [norm(t) for t in map(_text, values) if t is not None]

    def one(event: Mapping[str, Any], other: Getter) -> bool:
        mine = texts(get(event))
        theirs = texts(other(event))
        return any(relate(a, b) for a in mine for b in theirs)

    if m.all:
        return lambda event: all(one(event, o) for o in others)
    return lambda event: any(one(event, o) for o in others)
