"""EventBridge event patterns: validated once, then matched against JSON-like events.

Reproduces "Amazon EventBridge event patterns" and "Content filtering in Amazon
EventBridge event patterns" (with the open-source Event Ruler, which EventBridge is built
on, settling what the guide leaves open). A pattern's fields are ANDed; a field's value
list is ORed; nested objects follow the event's nesting; ``$or`` takes two or more
alternative sub-patterns. An event field that is an array matches when any element
matches (for a nested pattern: when one element matches the whole sub-pattern, so two
fields never match in different elements of the same array).

Values of different JSON types never equal each other (``"5"`` is not ``5``, ``true`` is
not ``1``, ``null`` is not ``""``); numbers compare by value (``300`` = ``300.0`` =
``3.0e2``). ``exists`` looks at leaf values only: a field holding an object, an empty
array or nothing is absent, a field holding ``null`` is present. ``anything-but`` needs a
present leaf value (so it matches ``null`` but not a missing field).

What is not reproduced: Event Ruler joins nested keys with dots, so ``{"a.b": [..]}`` also
matches ``{"a": {"b": ..}}``; here keys are taken as written. Wildcard "complexity" limits
are not computed (AWS does not publish the formula); consecutive ``*`` and bad escapes are.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cloudwarden.respond._pattern_values import (
    NUMERIC_LIMIT,
    comparable_number,
    compile_wildcard,
    ip_address,
    json_number,
)

__all__ = ["MAX_OR_COMBINATIONS", "NUMERIC_LIMIT", "Pattern", "PatternError", "compile_pattern"]

MAX_OR_COMBINATIONS = 1000
"""Cap on the alternatives a pattern expands to once every ``$or`` is multiplied out.

EventBridge refuses patterns whose ``$or`` expansion is too large; this is our bound,
checked at compile time so a route file cannot hold a pattern that explodes.
"""

OPERATORS = frozenset(
    {
        "prefix",
        "suffix",
        "equals-ignore-case",
        "wildcard",
        "anything-but",
        "numeric",
        "exists",
        "cidr",
    }
)

Test = Callable[[Any], bool]
_Path = tuple[str | int, ...]


class PatternError(ValueError):
    """A malformed pattern, located by a path such as ``detail.severity[1]``."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def _fmt(path: _Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _fail(path: _Path, message: str) -> PatternError:
    return PatternError(_fmt(path), message)


# ---------------------------------------------------------------- compiled form


@dataclass(frozen=True, slots=True)
class _Field:
    """One leaf field: its value tests, and whether ``exists`` true/false was asked for."""

    key: str
    abspath: tuple[str, ...]
    tests: tuple[Test, ...]
    want_present: bool
    want_absent: bool


@dataclass(frozen=True, slots=True)
class _Node:
    """One pattern object: leaf fields, nested objects and ``$or`` groups, all ANDed."""

    fields: tuple[_Field, ...]
    nested: tuple[tuple[str, _Node], ...]
    alternatives: tuple[tuple[_Node, ...], ...]

    def combinations(self) -> int:
        total = 1
        for _, node in self.nested:
            total *= node.combinations()
        for group in self.alternatives:
            total *= sum(alt.combinations() for alt in group)
        return total


_MISSING: Any = object()


def _leaves(value: Any) -> Iterator[Any]:
    """The leaf values under ``value``: scalars, with arrays (of arrays) flattened."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif not isinstance(value, Mapping) and value is not _MISSING:
        yield value


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _objects(item)


def _present_anywhere(obj: Any, path: Sequence[str]) -> bool:
    """Whether the event has a leaf at ``path`` in any element of any array on the way."""
    if not path:
        return next(_leaves(obj), _MISSING) is not _MISSING
    return any(
        _present_anywhere(o.get(path[0], _MISSING), path[1:]) for o in _objects(obj) if path[0] in o
    )


def _match_field(field: _Field, obj: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    leaves = list(_leaves(obj.get(field.key, _MISSING)))
    if leaves and field.want_present:
        return True
    if field.want_absent and not leaves and not _present_anywhere(root, field.abspath):
        return True
    return any(test(v) for v in leaves for test in field.tests)


def _match_node(node: _Node, obj: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    for field in node.fields:
        if not _match_field(field, obj, root):
            return False
    for key, sub in node.nested:
        candidates = list(_objects(obj.get(key, _MISSING))) or [{}]
        if not any(_match_node(sub, c, root) for c in candidates):
            return False
    return all(any(_match_node(alt, obj, root) for alt in group) for group in node.alternatives)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A validated event pattern; :meth:`matches` is pure and safe to call from threads."""

    source: Mapping[str, Any]
    _root: _Node

    def matches(self, event: Mapping[str, Any]) -> bool:
        return _match_node(self._root, event, event)

    @property
    def combinations(self) -> int:
        """How many ``$or``-free alternatives the pattern stands for."""
        return self._root.combinations()


def compile_pattern(pattern: Mapping[str, Any] | str | bytes) -> Pattern:
    """Validate ``pattern`` (a mapping or JSON text) by EventBridge's rules and compile it.

    Raises :class:`PatternError` naming where the first problem is.
    """
    if isinstance(pattern, str | bytes):
        try:
            pattern = json.loads(pattern, parse_float=Decimal)
        except ValueError as exc:
            raise PatternError("", f"pattern is not valid JSON ({exc})") from None
    if not isinstance(pattern, Mapping):
        raise PatternError("", "a pattern must be a JSON object")
    root = _compile_object(pattern, (), (), in_or=False)
    count = root.combinations()
    if count > MAX_OR_COMBINATIONS:
        raise PatternError(
            "", f"$or expands to {count} combinations (at most {MAX_OR_COMBINATIONS} allowed)"
        )
    return Pattern(pattern, root)


# ---------------------------------------------------------------- validation + compilation


def _compile_object(
    obj: Mapping[str, Any], path: _Path, abspath: tuple[str, ...], *, in_or: bool
) -> _Node:
    if not obj:
        raise _fail(path, "empty objects are not allowed")
    fields: list[_Field] = []
    nested: list[tuple[str, _Node]] = []
    alternatives: list[tuple[_Node, ...]] = []
    for key, value in obj.items():
        if not isinstance(key, str):
            raise _fail(path, f"field names must be strings, not {key!r}")
        here = (*path, key)
        if key == "$or":
            alternatives.append(_compile_or(value, here, abspath))
            continue
        if in_or and key in OPERATORS:
            raise _fail(here, f"{key!r} is an operator and cannot be a field name inside $or")
        if isinstance(value, Mapping):
            nested.append((key, _compile_object(value, here, (*abspath, key), in_or=in_or)))
        elif isinstance(value, list | tuple):
            fields.append(_compile_field(key, value, here, (*abspath, key)))
        else:
            raise _fail(here, "a pattern field must hold an object or a list of values")
    return _Node(tuple(fields), tuple(nested), tuple(alternatives))


def _compile_or(value: Any, path: _Path, abspath: tuple[str, ...]) -> tuple[_Node, ...]:
    if not isinstance(value, list | tuple):
        raise _fail(path, "$or must hold a list of patterns")
    if len(value) < 2:
        raise _fail(path, "$or needs at least two patterns")
    alts = []
    for i, alt in enumerate(value):
        if not isinstance(alt, Mapping):
            raise _fail((*path, i), "each $or alternative must be an object")
        alts.append(_compile_object(alt, (*path, i), abspath, in_or=True))
    return tuple(alts)


def _compile_field(
    key: str, values: Sequence[Any], path: _Path, abspath: tuple[str, ...]
) -> _Field:
    if not values:
        raise _fail(path, "empty lists are not allowed")
    tests: list[Test] = []
    want_present = want_absent = False
    for i, item in enumerate(values):
        here = (*path, i)
        if isinstance(item, Mapping):
            if len(item) != 1:
                raise _fail(here, "an operator object holds exactly one operator")
            ((op, arg),) = item.items()
            if op == "exists":
                if not isinstance(arg, bool):
                    raise _fail(here, "exists takes true or false")
                want_present |= arg
                want_absent |= not arg
                continue
            tests.append(_compile_operator(op, arg, here))
        else:
            tests.append(_exact(item, here))
    return _Field(key, abspath, tuple(tests), want_present, want_absent)


def _exact(item: Any, path: _Path) -> Test:
    if item is None:
        return lambda v: v is None
    if isinstance(item, bool):
        return lambda v: v is item
    if isinstance(item, str):
        ip = ip_address(item)
        if ip is not None:
            # Event Ruler stores an IP-address literal as an address, so other spellings
            # of the same address (IPv6 with or without zero compression) match too.
            return lambda v: isinstance(v, str) and (v == item or ip_address(v) == ip)
        return lambda v: isinstance(v, str) and v == item
    number = json_number(item)
    if number is None:
        raise _fail(path, f"values must be strings, numbers, true, false or null, not {item!r}")
    return lambda v: json_number(v) == number


def _string(arg: Any, path: _Path, op: str) -> str:
    if not isinstance(arg, str):
        raise _fail(path, f"{op} takes a string")
    return arg


def _ignore_case(arg: Any, path: _Path, op: str) -> tuple[str, bool]:
    """``prefix`` / ``suffix`` argument: a string, or ``{"equals-ignore-case": string}``."""
    if isinstance(arg, Mapping):
        if list(arg) != ["equals-ignore-case"]:
            raise _fail(path, f"{op} takes a string or {{'equals-ignore-case': string}}")
        return _string(arg["equals-ignore-case"], path, f"{op}.equals-ignore-case"), True
    return _string(arg, path, op), False


def _compile_operator(op: Any, arg: Any, path: _Path) -> Test:
    if op in ("prefix", "suffix"):
        text, fold = _ignore_case(arg, path, op)
        return _affix_test(op, [text], fold)
    if op == "equals-ignore-case":
        folded = _string(arg, path, op).lower()
        return lambda v: isinstance(v, str) and v.lower() == folded
    if op == "wildcard":
        regex = _wildcard(arg, path)
        return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None
    if op == "numeric":
        return _numeric(arg, path)
    if op == "cidr":
        return _cidr(arg, path)
    if op == "anything-but":
        excluded = _anything_but(arg, path)
        return lambda v: not excluded(v)
    raise _fail(path, f"unknown operator {op!r}")


def _affix_test(op: str, texts: Sequence[str], fold: bool) -> Test:
    wanted = tuple(t.lower() for t in texts) if fold else tuple(texts)

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        s = v.lower() if fold else v
        return s.startswith(wanted) if op == "prefix" else s.endswith(wanted)

    return test


def _wildcard(arg: Any, path: _Path) -> re.Pattern[str]:
    text = _string(arg, path, "wildcard")
    try:
        return compile_wildcard(text)
    except ValueError as exc:
        raise _fail(path, f"wildcard {text!r}: {exc}") from None


def _strings(arg: Any, path: _Path, op: str) -> list[str]:
    items = list(arg) if isinstance(arg, list | tuple) else [arg]
    if not items or not all(isinstance(s, str) for s in items):
        raise _fail(path, f"anything-but {op} takes a string or a non-empty list of strings")
    return items


def _anything_but(arg: Any, path: _Path) -> Test:
    """The test whose complement ``anything-but`` is; it is applied to present leaves only."""
    if isinstance(arg, Mapping):
        if len(arg) != 1:
            raise _fail(path, "anything-but takes one nested operator")
        ((op, inner),) = arg.items()
        if op in ("prefix", "suffix"):
            texts = _strings(inner, path, op)
            if any(t == "" for t in texts):
                raise _fail(path, f"anything-but {op} cannot be empty")
            return _affix_test(op, texts, fold=False)
        if op == "equals-ignore-case":
            folded = {s.lower() for s in _strings(inner, path, op)}
            return lambda v: isinstance(v, str) and v.lower() in folded
        if op == "wildcard":
            regexes = [_wildcard(w, path) for w in _strings(inner, path, op)]
            return lambda v: isinstance(v, str) and any(r.fullmatch(v) for r in regexes)
        raise _fail(
            path,
            f"anything-but does not take {op!r} (prefix, suffix, equals-ignore-case or wildcard)",
        )
    items = list(arg) if isinstance(arg, list | tuple) else [arg]
    if not items:
        raise _fail(path, "anything-but needs at least one value")
    if all(isinstance(s, str) for s in items):
        words = set(items)
        return lambda v: isinstance(v, str) and v in words
    numbers = {_pattern_number(n, path, "anything-but") for n in items}
    return lambda v: comparable_number(v) in numbers


def _pattern_number(item: Any, path: _Path, op: str) -> Decimal:
    number = None if isinstance(item, str) else json_number(item)
    if number is None:
        raise _fail(path, f"{op} values must be all strings or all numbers, not {item!r}")
    checked = comparable_number(number)
    if checked is None:
        raise _fail(
            path,
            f"{op} value {item} is outside ±{NUMERIC_LIMIT:,} or has more than 6 decimals",
        )
    return checked


_LOWER = {">": Decimal.__gt__, ">=": Decimal.__ge__}
_UPPER = {"<": Decimal.__lt__, "<=": Decimal.__le__}


def _numeric(arg: Any, path: _Path) -> Test:
    if not isinstance(arg, list | tuple) or not arg:
        raise _fail(path, "numeric takes a list such as ['>', 0, '<=', 5]")
    if len(arg) % 2:
        raise _fail(path, "numeric needs an even number of operator/value items")
    pairs = [(arg[i], arg[i + 1]) for i in range(0, len(arg), 2)]
    for op, _ in pairs:
        if op not in ("=", *_LOWER, *_UPPER):
            raise _fail(path, f"numeric operator {op!r} is not one of =, <, <=, >, >=")
    bounds = [(op, _pattern_number(n, path, "numeric")) for op, n in pairs]
    shape_ok = (len(bounds) == 1) or (
        len(bounds) == 2 and bounds[0][0] in _LOWER and bounds[1][0] in _UPPER
    )
    if not shape_ok:
        raise _fail(
            path,
            "numeric takes one comparison, or a lower bound (> or >=) followed by an "
            "upper bound (< or <=)",
        )
    if len(bounds) == 2 and bounds[0][1] >= bounds[1][1]:
        raise _fail(path, "numeric lower bound must be less than the upper bound")
    checks = [
        (Decimal.__eq__ if op == "=" else _LOWER.get(op) or _UPPER[op], bound)
        for op, bound in bounds
    ]

    def test(v: Any) -> bool:
        n = comparable_number(v)
        return n is not None and all(cmp(n, bound) for cmp, bound in checks)

    return test


def _cidr(arg: Any, path: _Path) -> Test:
    text = _string(arg, path, "cidr")
    if text.count("/") != 1:
        raise _fail(path, f"cidr {text!r} needs one '/' and a prefix length")
    bits = text.split("/")[1]
    if not bits.isdigit():
        raise _fail(path, f"cidr {text!r}: the prefix length must be an integer")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _fail(path, f"cidr {text!r} is not an IPv4 or IPv6 network") from None

    def test(v: Any) -> bool:
        ip = ip_address(v) if isinstance(v, str) else None
        return ip is not None and ip.version == network.version and ip in network

    return test
