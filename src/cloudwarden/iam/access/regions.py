"""One string per region of a set of wildcard patterns, found exactly.

Patterns with ``*`` (any run of characters) and ``?`` (one character), as ``StringLike``
and Resource patterns use them, split all strings into *regions*: the strings matched by
exactly the same subset of the patterns. A policy cannot tell two strings of one region
apart, so one string per non-empty region covers every case.

The regions are found by a breadth-first walk of the product of the patterns' automata.
The alphabet is the characters the patterns name plus one character none of them names:
every other character behaves exactly like that one, so the walk is exact, and being
breadth-first it finds the shortest string of each region. A walk that would visit more
than ``limit`` states stops and says so.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

__all__ = ["Pattern", "compile_glob", "matches", "regions"]

# a pattern is its tokens: (character, is a wildcard)
Pattern = tuple[tuple[str, bool], ...]
_FRESH = "xyzqj0123456789-_"


def compile_glob(text: str, *, literal: bool = False) -> Pattern:
    """Tokens of ``text``; with ``literal`` every character stands for itself."""
    return tuple((ch, not literal and ch in "*?") for ch in text)


def _closure(pattern: Pattern, positions: frozenset[int]) -> frozenset[int]:
    out = set(positions)
    stack = list(positions)
    while stack:
        i = stack.pop()
        if i < len(pattern) and pattern[i] == ("*", True) and i + 1 not in out:
            out.add(i + 1)
            stack.append(i + 1)
    return frozenset(out)


def _step(pattern: Pattern, positions: frozenset[int], ch: str) -> frozenset[int]:
    nxt: set[int] = set()
    for i in positions:
        if i >= len(pattern):
            continue
        token, wild = pattern[i]
        if wild and token == "*":
            nxt.add(i)
        elif (wild and token == "?") or token == ch:
            nxt.add(i + 1)
    return _closure(pattern, frozenset(nxt))


def matches(pattern: Pattern, text: str) -> bool:
    state = _closure(pattern, frozenset({0}))
    for ch in text:
        state = _step(pattern, state, ch)
        if not state:
            return False
    return len(pattern) in state


def regions(
    patterns: Sequence[Pattern], preferred: Sequence[str] = (), limit: int = 20000
) -> tuple[dict[tuple[bool, ...], str], bool]:
    """For each non-empty region (which patterns match), one string of it — a
    ``preferred`` string when one falls in that region, else the shortest — and whether
    the walk was complete."""
    found: dict[tuple[bool, ...], str] = {}
    for text in preferred:
        found.setdefault(tuple(matches(p, text) for p in patterns), text)
    named = {tok for p in patterns for tok, wild in p if not wild}
    fresh = next((c for c in _FRESH if c not in named), "\u2603")
    alphabet = [*sorted(named), fresh]
    start = tuple(_closure(p, frozenset({0})) for p in patterns)
    seen = {start}
    queue: deque[tuple[tuple[frozenset[int], ...], str]] = deque([(start, "")])
    while queue:
        state, text = queue.popleft()
        vector = tuple(len(p) in s for p, s in zip(patterns, state, strict=True))
        found.setdefault(vector, text)
        for ch in alphabet:
            nxt = tuple(_step(p, s, ch) for p, s in zip(patterns, state, strict=True))
            if nxt not in seen:
                if len(seen) >= limit:
                    return found, False
                seen.add(nxt)
                queue.append((nxt, text + ch))
    return found, True
