"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}`` and escapes.

AWS substitutes a request-context value for each ``${key}`` in the ``Resource`` element and
in the values of string and ARN condition operators ("IAM policy elements: Variables and
tags"). ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters, so they never act
as wildcards. A variable whose key is absent (and has no default) cannot be resolved; the
callers decide what that means for their element (see ``docs/iam-semantics.md``). Variables
only exist in policies whose ``Version`` is ``2012-10-17``; in older policies the text is
literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Literal",
    "Template",
    "Variable",
    "parse_resource_template",
    "parse_template",
    "resolve_segments",
    "resolve_text",
]

ContextLookup = Callable[[str], "str | list[str] | None"]


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``${key}`` or ``${key, 'default'}`` placeholder; ``key`` is lower-cased."""

    key: str
    default: str | None


@dataclass(frozen=True, slots=True)
class Literal:
    """Text that must be matched literally, e.g. the ``*`` produced by ``${*}``."""

    text: str


TemplatePart = str | Variable | Literal
Template = tuple[TemplatePart, ...]

_ESCAPES = {"*": "*", "?": "?", "$": "$"}
_DEFAULT_RE = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")


@lru_cache(maxsize=1024)
def _variable(key: str) -> Variable:
    return Variable(key, None)


def _parse_inner(inner: str) -> Variable | Literal | None:
    stripped = inner.strip()
    if stripped in _ESCAPES:
        return Literal(_ESCAPES[stripped])
    if "," in inner:
        with_default = _DEFAULT_RE.match(inner)
        if with_default:
            return Variable(with_default.group(1).lower(), with_default.group(2))
        return None
    if not stripped or " " in stripped:
        return None
    return _variable(stripped.lower())


@lru_cache(maxsize=65536)
def parse_template(text: str) -> Template | None:
    """Split ``text`` into literal policy text and placeholders; ``None`` if it has none.

    A placeholder runs from ``${`` to the next ``}``. Malformed placeholders (``${}``,
    ``${a b}``) stay as plain policy text.
    """
    start = text.find("${")
    if start < 0:
        return None
    parts: list[TemplatePart] = []
    pos = 0
    while start >= 0:
        end = text.find("}", start + 2)
        if end < 0:
            break
        part = _parse_inner(text[start + 2 : end])
        if part is not None:
            if start > pos:
                parts.append(text[pos:start])
            parts.append(part)
            pos = end + 1
        start = text.find("${", end + 1)
    if not parts:
        return None
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


_ARN_FIXED_PARTS = 5


@lru_cache(maxsize=65536)
def parse_resource_template(text: str) -> Template | None:
    """A ``Resource`` / ``NotResource`` pattern split like ``parse_template``, except that
    only the last part of the ARN (after the fifth colon) takes variables.

    "IAM policy elements: Variables and tags" (Resource element): "A policy variable can
    appear as the last part of the ARN that identifies a resource." Placeholders in the
    partition, service, region or account part stay literal policy text, so they match no
    real ARN. A pattern with fewer than five colons has no last part and takes none.
    """
    if "${" not in text:
        return None
    start = _last_part_start(text)
    if start is None:
        return None
    tail = parse_template(text[start:])
    return None if tail is None else (text[:start], *tail)


def _last_part_start(text: str) -> int | None:
    """Index just after the fifth ARN colon; colons inside ``${...}`` do not count."""
    pos = -1
    for _ in range(_ARN_FIXED_PARTS):
        pos = text.find(":", pos + 1)
        if pos < 0:
            break
    else:
        if "${" not in text[:pos]:  # no placeholder before it: the usual case
            return pos + 1
    colons = 0
    pos = 0
    while pos < len(text):
        if text.startswith("${", pos):
            end = text.find("}", pos)
            if end != -1:
                pos = end + 1
                continue
        if text[pos] == ":":
            colons += 1
            if colons == _ARN_FIXED_PARTS:
                return pos + 1
        pos += 1
    return None


def _lookup(var: Variable, lookup: ContextLookup) -> str | None:
    value = lookup(var.key)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return var.default


def resolve_segments(
    template: Template, lookup: ContextLookup
) -> tuple[tuple[str, bool], ...] | None:
    """Substitute placeholders; each segment is ``(text, literal)``.

    ``literal`` is true for substituted values and escapes, whose characters must not act
    as wildcards. Returns ``None`` when a variable has no value and no default.
    """
    out: list[tuple[str, bool]] = []
    for part in template:
        if isinstance(part, str):
            out.append((part, False))
        elif isinstance(part, Literal):
            out.append((part.text, True))
        else:
            value = _lookup(part, lookup)
            if value is None:
                return None
            out.append((value, True))
    return tuple(out)


def resolve_text(template: Template, lookup: ContextLookup) -> str | None:
    """Substitute placeholders and join the text (for operators without wildcards)."""
    segments = resolve_segments(template, lookup)
    if segments is None:
        return None
    return "".join(text for text, _ in segments)
