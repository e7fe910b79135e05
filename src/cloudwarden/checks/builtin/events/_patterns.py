"""EventBridge event-pattern matching, enough to ask "would this rule see that event?".

Semantics reproduced from the EventBridge documentation: every key of a pattern must
match; a list of conditions matches when any condition matches any value (array
values are matched element by element, and a nested pattern applied to an array of
objects matches when one object does); conditions are literals or the operators
``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``, ``anything-but``,
``exists``, ``numeric`` and ``cidr``; ``$or`` lists alternative sub-patterns.

The sample events cloudwarden matches against model only the fields that identify an
event kind (source, detail-type, a few detail fields). A pattern key the sample does
not have is treated as satisfiable — a rule that routes only high-severity findings
still routes findings — so the answer is "does this rule route some of these events".
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(alt, event) for alt in rule if isinstance(alt, Mapping)):
                return False
        elif key not in event:
            continue
        elif not _field(rule, event[key]):
            return False
    return True


def _field(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        items = value if isinstance(value, list) else [value]
        return any(isinstance(v, Mapping) and matches(rule, v) for v in items)
    if isinstance(rule, list):
        values = value if isinstance(value, list) else [value]
        return any(condition(c, v) for c in rule for v in values)
    return False


def condition(cond: Any, value: Any) -> bool:
    """One element of a pattern's value list, applied to one event value."""
    if not isinstance(cond, Mapping):
        return _same(cond, value)
    if len(cond) != 1:
        return False
    ((op, arg),) = cond.items()
    test = _OPERATORS.get(op)
    return test(arg, value) if test else False


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, and ``5`` equals ``5.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b)


def _text(arg: Any, value: Any, compare: Any) -> bool:
    if isinstance(arg, Mapping) and "equals-ignore-case" in arg:
        return isinstance(value, str) and compare(
            value.lower(), str(arg["equals-ignore-case"]).lower()
        )
    return isinstance(value, str) and isinstance(arg, str) and compare(value, arg)


def _wildcard(arg: Any, value: Any) -> bool:
    if not (isinstance(arg, str) and isinstance(value, str)):
        return False
    regex = ".*".join(re.escape(part) for part in arg.split("*"))
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, Mapping):
        return not condition(dict(arg), value)
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(condition(e, value) for e in excluded)


def _numeric(arg: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(arg, list):
        return False
    checks = {
        "<": float.__lt__,
        "<=": float.__le__,
        "=": float.__eq__,
        ">": float.__gt__,
        ">=": float.__ge__,
    }
    pairs = zip(arg[::2], arg[1::2], strict=False)
    return all(op in checks and checks[op](float(value), float(n)) for op, n in pairs)


def _cidr(arg: Any, value: Any) -> bool:
    try:
        return ipaddress.ip_address(str(value)) in ipaddress.ip_network(str(arg), strict=False)
    except ValueError:
        return False


_OPERATORS: dict[str, Any] = {
    "prefix": lambda a, v: _text(a, v, str.startswith),
    "suffix": lambda a, v: _text(a, v, str.endswith),
    "equals-ignore-case": lambda a, v: isinstance(v, str) and str(a).lower() == v.lower(),
    "wildcard": _wildcard,
    "anything-but": _anything_but,
    "exists": lambda a, v: a is True,
    "numeric": _numeric,
    "cidr": _cidr,
}
