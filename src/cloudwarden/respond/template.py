"""The playbook template language: ``${namespace.path}`` references and small conditions.

A parameter such as ``${alert.group.userIdentity.accessKeyId}`` names a value in the
run's context: the triggering ``alert`` or ``finding``, the routed ``incident`` document,
the playbook's resolved ``inputs``, earlier ``steps`` (``steps.ID.result.FIELD``),
``run`` facts and the responder ``config``. Alternatives separated by ``|`` are tried in
order and the last may be a literal (``${alert.region | 'us-east-1'}``). An alternative may
also be one of a few fixed functions of a reference, :data:`FUNCTIONS`, for facts the alert
carries in another shape (``${session_instance(alert.context.userIdentity.arn)}``: the
instance whose credentials made the call). A parameter that
is one reference keeps the value's type (a list stays a list); references inside a longer
string are formatted into it. Nothing is evaluated: a reference is a path lookup, so a
playbook cannot run code.

Keys with dots are found as they are: CloudTrail rules group by flat field names such as
``userIdentity.accessKeyId``, so at each mapping the longest run of segments that is a key
wins, and nested dictionaries are walked segment by segment otherwise.

Conditions (``choice`` rules, ``when``, ``until``) are mappings: ``{value: REF, equals: X}``
with ``equals``, ``not_equals``, ``in``, ``contains`` (substring, any case; or list
member), ``exists``, ``before``/``after`` (ISO times),
``greater_than``/``less_than``, ``truthy``; combined with ``all``, ``any`` and ``not``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

NAMESPACES = frozenset({"alert", "finding", "incident", "inputs", "steps", "run", "config"})
COMPARISONS = frozenset(
    {"equals", "not_equals", "in", "contains", "exists", "before", "after", "truthy"}
    | {"greater_than", "less_than"}
)
COMBINATORS = frozenset({"all", "any", "not"})

_REF = re.compile(r"\$\{([^}]*)\}")
_SEGMENT = re.compile(r"([A-Za-z_][\w\-:]*)|\[(\d+)\]")
_LITERAL = re.compile(r"""^'([^']*)'$|^"([^"]*)"$""")
_CALL = re.compile(r"^([a-z_]+)\((.*)\)$")
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$")


def session_instance(value: Any) -> str | None:
    """The EC2 instance id that is the session name of instance-profile credentials.

    EC2 names the role session of an instance profile after the instance, so a call made
    with (possibly stolen) instance credentials carries the instance id in
    ``userIdentity.arn`` (``arn:aws:sts::ACCOUNT:assumed-role/ROLE/i-0123…``) and in
    ``userIdentity.principalId`` (``AROA…:i-0123…``). Any other session name gives None.
    """
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:"):
        if ":assumed-role/" not in value:
            return None
        session = value.rsplit("/", 1)[-1]
    elif ":" in value:
        session = value.rsplit(":", 1)[-1]
    else:
        return None
    return session if _INSTANCE_ID.match(session) else None


def dedup_field(value: Any, name: Any) -> str | None:
    """The value of ``name`` in an alert's ``dedup_key`` (``srcaddr=10.0.0.5; dstaddr=…``):
    the fields a rule de-duplicates on, which is all a flow-log alert says of its flow."""
    if not isinstance(value, str) or not isinstance(name, str):
        return None
    for part in value.split("; "):
        key, sep, found = part.partition("=")
        if sep and key == name and found:
            return found
    return None


FUNCTIONS: dict[str, Any] = {"session_instance": session_instance, "dedup_field": dedup_field}
"""The functions an alternative may apply: pure, total (None when the value does not fit)."""


class _Call:
    """``name(path, 'literal', …)``: a function of one reference and literal arguments."""

    def __init__(self, name: str, path: list[str | int], args: tuple[str, ...]) -> None:
        self.name, self.path, self.args = name, path, args

    def value(self, context: Any) -> Any:
        return FUNCTIONS[self.name](lookup(context, self.path), *self.args)


class TemplateError(ValueError):
    """A reference that is malformed, or that names nothing in the run's context."""


def _segments(path: str) -> list[str | int]:
    """``a.b[0].c`` as ``['a', 'b', 0, 'c']``; TemplateError when malformed."""
    out: list[str | int] = []
    for part in path.split("."):
        pos = 0
        if not part:
            raise TemplateError(f"empty segment in {path!r}")
        while pos < len(part):
            m = _SEGMENT.match(part, pos)
            if m is None or (pos > 0 and m.group(1)):
                raise TemplateError(f"bad reference {path!r}")
            out.append(m.group(1) if m.group(1) else int(m.group(2)))
            pos = m.end()
    return out


def _path(part: str, expr: str) -> list[str | int]:
    segs = _segments(part)
    if not isinstance(segs[0], str) or segs[0] not in NAMESPACES:
        known = ", ".join(sorted(NAMESPACES))
        raise TemplateError(f"${{{expr}}}: {part.split('.')[0]!r} is not one of {known}")
    return segs


def _call(match: re.Match[str], expr: str) -> _Call:
    name = match.group(1)
    if name not in FUNCTIONS:
        known = ", ".join(sorted(FUNCTIONS))
        raise TemplateError(f"${{{expr}}}: unknown function {name!r} (use one of {known})")
    first, *rest = [a.strip() for a in match.group(2).split(",")]
    args: list[str] = []
    for arg in rest:
        literal = _LITERAL.match(arg)
        if literal is None:
            raise TemplateError(f"${{{expr}}}: {name}() takes a reference, then literals")
        args.append(literal.group(1) if literal.group(1) is not None else literal.group(2))
    return _Call(name, _path(first, expr), tuple(args))


def _alternatives(expr: str) -> list[list[str | int] | str | _Call]:
    """The ``|``-separated alternatives of one ``${...}``: paths, function calls of a path,
    or a quoted literal (last)."""
    alts: list[list[str | int] | str | _Call] = []
    parts = [p.strip() for p in expr.split("|")]
    for i, part in enumerate(parts):
        literal = _LITERAL.match(part)
        if literal:
            if i != len(parts) - 1:
                raise TemplateError(f"a literal must come last in ${{{expr}}}")
            alts.append(literal.group(1) if literal.group(1) is not None else literal.group(2))
            continue
        call = _CALL.match(part)
        alts.append(_call(call, expr) if call else _path(part, expr))
    return alts


def references(value: Any) -> Iterator[list[str | int]]:
    """Every path referenced anywhere in ``value``; TemplateError on the first malformed one."""
    if isinstance(value, str):
        for m in _REF.finditer(value):
            for alt in _alternatives(m.group(1)):
                if isinstance(alt, list):
                    yield alt
                elif isinstance(alt, _Call):
                    yield alt.path
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from references(v)


def lookup(context: Any, path: list[str | int]) -> Any:
    """The value at ``path`` in ``context``, or None (dotted keys matched longest first)."""
    if not path:
        return context
    head = path[0]
    if isinstance(head, int):
        if isinstance(context, list | tuple) and -len(context) <= head < len(context):
            return lookup(context[head], path[1:])
        return None
    if not isinstance(context, Mapping):
        return None
    for n in range(len(path), 0, -1):
        chunk = path[:n]
        if any(isinstance(p, int) for p in chunk):
            continue
        key = ".".join(str(p) for p in chunk)
        if key in context:
            found = lookup(context[key], path[n:])
            if found is not None:
                return found
    return None


def _resolve(expr: str, context: Mapping[str, Any]) -> Any:
    for alt in _alternatives(expr):
        if isinstance(alt, str):
            return alt
        value = alt.value(context) if isinstance(alt, _Call) else lookup(context, alt)
        if value is not None and value != "":
            return value
    return None


def render(value: Any, context: Mapping[str, Any], *, strict: bool = True) -> Any:
    """``value`` with every reference replaced; strict: a reference to nothing is an error."""
    if isinstance(value, str):
        whole = _REF.fullmatch(value.strip())
        if whole:
            found = _resolve(whole.group(1), context)
            if found is None and strict:
                raise TemplateError(f"{value.strip()} has no value for this incident")
            return found

        def one(m: re.Match[str]) -> str:
            found = _resolve(m.group(1), context)
            if found is None:
                if strict:
                    raise TemplateError(f"${{{m.group(1)}}} has no value for this incident")
                return ""
            return str(found)

        return _REF.sub(one, value)
    if isinstance(value, Mapping):
        return {k: render(v, context, strict=strict) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, context, strict=strict) for v in value]
    return value


def condition_problems(cond: Any) -> list[tuple[str, str]]:
    """(relative location, message) for every problem in a condition."""
    if not isinstance(cond, Mapping):
        return [("", "a condition is a mapping (value + comparison, or all/any/not)")]
    keys = set(cond)
    combinators = keys & COMBINATORS
    if combinators:
        if len(keys) != 1:
            return [("", f"{sorted(keys)}: all/any/not stand alone in their mapping")]
        name = next(iter(combinators))
        inner = cond[name]
        if name == "not":
            return [(f".not{loc}", msg) for loc, msg in condition_problems(inner)]
        if not isinstance(inner, list) or not inner:
            return [(f".{name}", "expects a non-empty list of conditions")]
        out: list[tuple[str, str]] = []
        for i, c in enumerate(inner):
            out.extend((f".{name}[{i}]{loc}", msg) for loc, msg in condition_problems(c))
        return out
    problems: list[tuple[str, str]] = []
    if "value" not in keys:
        problems.append(("", "missing 'value'"))
    tests = keys - {"value"}
    unknown = tests - COMPARISONS
    for key in sorted(unknown):
        problems.append(
            (f".{key}", f"unknown comparison (use one of {', '.join(sorted(COMPARISONS))})")
        )
    if len(tests & COMPARISONS) != 1:
        problems.append(("", "give exactly one comparison"))
    try:
        list(references(dict(cond)))
    except TemplateError as exc:
        problems.append((".value", str(exc)))
    return problems


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _compare(op: str, value: Any, other: Any) -> bool:
    if op == "equals":
        return bool(value == other)
    if op == "not_equals":
        return bool(value != other)
    if op == "in":
        return isinstance(other, list | tuple) and value in other
    if op == "contains":
        if isinstance(value, str):
            return isinstance(other, str) and other.lower() in value.lower()
        return isinstance(value, list | tuple) and other in value
    if op == "exists":
        return (value is not None and value != "") is bool(other)
    if op == "truthy":
        return bool(value) is bool(other)
    if op in ("before", "after"):
        a, b = _time(value), _time(other)
        if a is None or b is None:
            return False
        return a < b if op == "before" else a > b
    try:
        return bool(value > other) if op == "greater_than" else bool(value < other)
    except TypeError:
        return False


def evaluate(cond: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """Whether a (validated) condition holds; references to nothing read as None."""
    if "all" in cond:
        return all(evaluate(c, context) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, context) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], context)
    value = render(cond.get("value"), context, strict=False)
    op = next(k for k in cond if k in COMPARISONS)
    return _compare(op, value, render(cond[op], context, strict=False))
