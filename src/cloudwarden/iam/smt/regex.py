"""Wildcard patterns of IAM policies as z3 regular expressions over printable ASCII.

Every string of the encoded request is printable ASCII (``" "`` to ``"~"``): that is the
universe the checks search, and it keeps case-insensitive matching exact (the case folding
of an ASCII string is its lower case). The translations mirror ``cloudwarden.iam.matching``:
``*`` matches any run of characters and ``?`` one character; in ARN patterns a wildcard
before the fifth colon stays inside its part ("IAM identifiers: ARNs"), and a short
pattern (fewer than five colons) lets the wildcards of its last part run to the end when
``swallow_short`` is set, as ``arn_regex_source`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import z3

__all__ = [
    "ANY",
    "ANY_CHAR",
    "ARN_SHAPE",
    "NOT_COLON",
    "NOT_COLON_CHAR",
    "arn_glob",
    "ci_literal",
    "glob",
    "literal",
    "sequence",
]

Re = Any  # z3.ReRef; z3 ships no type stubs

ANY_CHAR: Re = z3.Range(" ", "~")
ANY: Re = z3.Star(ANY_CHAR)
NOT_COLON_CHAR: Re = z3.Union(z3.Range(" ", "9"), z3.Range(";", "~"))
NOT_COLON: Re = z3.Star(NOT_COLON_CHAR)
_LAST_FIXED_PART = 5


def literal(text: str) -> Re:
    return z3.Re(z3.StringVal(text))


def sequence(parts: Sequence[Re]) -> Re:
    """The concatenation of ``parts`` (the empty string when there are none)."""
    if not parts:
        return literal("")
    if len(parts) == 1:
        return parts[0]
    return z3.Concat(*parts)


def _char(ch: str, ignore_case: bool) -> Re:
    if ignore_case and ch.isascii() and ch.isalpha() and ch.lower() != ch.upper():
        return z3.Union(literal(ch.lower()), literal(ch.upper()))
    return literal(ch)


def ci_literal(text: str) -> Re:
    """The strings whose ASCII lower case is ``text`` (``text`` is already folded)."""
    return sequence([_char(ch, True) for ch in text])


def glob(pattern: str, *, ignore_case: bool = False) -> Re:
    """An Action or ``StringLike`` pattern: ``*`` any run, ``?`` one character."""
    out: list[Re] = []
    for ch in pattern:
        if ch == "*":
            out.append(ANY)
        elif ch == "?":
            out.append(ANY_CHAR)
        else:
            out.append(_char(ch, ignore_case))
    return sequence(out)


def arn_glob(segments: Iterable[tuple[str, bool]], *, swallow_short: bool) -> Re:
    """An ARN pattern given as ``(text, literal)`` segments, part-aware like
    ``cloudwarden.iam.matching.arn_regex_source``."""
    segs = list(segments)
    total_colons = sum(text.count(":") for text, _ in segs)
    free_from = min(total_colons, _LAST_FIXED_PART) if swallow_short else _LAST_FIXED_PART
    colons = 0
    out: list[Re] = []
    for text, is_literal in segs:
        for ch in text:
            if is_literal or ch not in "*?":
                out.append(literal(ch))
                colons += ch == ":"
                continue
            free = colons >= free_from
            if ch == "*":
                out.append(ANY if free else NOT_COLON)
            else:
                out.append(ANY_CHAR if free else NOT_COLON_CHAR)
    return sequence(out)


# ``split_arn``: six colon-separated parts, the first one ``arn``, the last may hold colons
ARN_SHAPE: Re = sequence(
    [
        literal("arn:"),
        *[part for _ in range(4) for part in (NOT_COLON, literal(":"))],
        ANY,
    ]
)
