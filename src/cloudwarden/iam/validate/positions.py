"""Where each JSON value starts in the text: a small position-tracking scan.

``json`` tells where a document is broken but not where a valid one keeps each value;
SARIF and the text output want the line of a finding's JSON path. The scan runs only on
text that already decoded, so it needs no error handling beyond stopping early. Object
members are located at their key, array items at their value.
"""

from __future__ import annotations

import json

from cloudwarden.iam.validate.model import JsonPath

__all__ = ["json_positions", "locate"]

Positions = dict[JsonPath, int]
_WS = " \t\r\n"


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _string_end(text: str, i: int) -> int:
    """Index just after the string starting at ``text[i] == '"'``."""
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i + 1
        i += 1
    return i


def _scan(text: str, i: int, path: JsonPath, out: Positions) -> int:
    i = _skip_ws(text, i)
    out.setdefault(path, i)
    if i >= len(text):
        return i
    ch = text[i]
    if ch == "{":
        i = _skip_ws(text, i + 1)
        while i < len(text) and text[i] != "}":
            end = _string_end(text, i)
            key = json.loads(text[i:end])
            out[(*path, key)] = i
            i = _skip_ws(text, end)
            i = _member(text, i + 1, (*path, key), out)
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == ",":
                i = _skip_ws(text, i + 1)
        return i + 1
    if ch == "[":
        i = _skip_ws(text, i + 1)
        n = 0
        while i < len(text) and text[i] != "]":
            i = _scan(text, i, (*path, n), out)
            n += 1
            i = _skip_ws(text, i)
            if i < len(text) and text[i] == ",":
                i = _skip_ws(text, i + 1)
        return i + 1
    if ch == '"':
        return _string_end(text, i)
    while i < len(text) and text[i] not in ",]}" + _WS:
        i += 1
    return i


def _member(text: str, i: int, path: JsonPath, out: Positions) -> int:
    """Scan a member's value; the member itself stays located at its key."""
    inner: Positions = {}
    end = _scan(text, i, path, inner)
    inner.pop(path, None)
    for key, pos in inner.items():
        out.setdefault(key, pos)
    return end


def json_positions(text: str) -> Positions:
    """The offset of every value of a valid JSON document, by JSON path."""
    out: Positions = {}
    _scan(text, 0, (), out)
    return out


def locate(text: str, positions: Positions, path: JsonPath) -> tuple[int, int]:
    """1-based line and column of a path, or of its nearest located ancestor."""
    probe = path
    while probe and probe not in positions:
        probe = probe[:-1]
    offset = positions.get(probe, 0)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
