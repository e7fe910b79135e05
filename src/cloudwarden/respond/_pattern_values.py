"""Value rules behind event patterns: JSON numbers, the numeric range, wildcards, IPs.

Kept apart from :mod:`cloudwarden.respond.patterns` so the matcher reads as the pattern
grammar and this module as the few facts about values it relies on.
"""

from __future__ import annotations

import ipaddress
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

NUMERIC_LIMIT = 5_000_000_000
"""``numeric`` compares numbers from -5.0e9 to +5.0e9 with six decimal places (Event Ruler)."""

_SCALE = Decimal("0.000001")


def json_number(value: Any) -> Decimal | None:
    """``value`` as an exact decimal when it is a JSON number (never for booleans)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the shortest text that reads back as the same float, which is the
        # number the JSON text meant: 3.0e2 -> 300.0, 0.1 -> 0.1 (not 0.1000000000000000055…)
        return Decimal(repr(value)) if math.isfinite(value) else None
    return None


def comparable_number(value: Any) -> Decimal | None:
    """The number ``numeric`` and numeric ``anything-but`` can compare, or None.

    Event Ruler only orders numbers within ±5.0e9 that need at most six decimal places;
    other numbers still match as exact values but never satisfy a numeric comparison.
    """
    number = json_number(value)
    if number is None or abs(number) > NUMERIC_LIMIT:
        return None
    try:
        if number.quantize(_SCALE) != number:
            return None
    except InvalidOperation:
        return None
    return number


def compile_wildcard(text: str) -> re.Pattern[str]:
    """``*`` matches any run of characters (even none); ``\\*`` is a star, ``\\\\`` a backslash.

    Raises ValueError for the forms EventBridge refuses: two ``*`` in a row, and a
    backslash before anything but ``*`` or ``\\``.
    """
    parts: list[str] = []
    i = 0
    last_star = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in ("*", "\\"):
                raise ValueError(f"backslash at position {i} escapes neither '*' nor '\\'")
            parts.append(re.escape(nxt))
            i += 2
            last_star = False
            continue
        if ch == "*":
            if last_star:
                raise ValueError(f"consecutive '*' at position {i}")
            parts.append(".*")
            last_star = True
        else:
            parts.append(re.escape(ch))
            last_star = False
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def ip_address(text: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
