"""CloudWatch Logs JSON filter patterns: parse ``{ ... }`` and evaluate it on an event.

This is how cloudwarden decides whether a metric filter really implements a CIS
monitoring item: rather than comparing text (whitespace, quoting and term order vary
freely), the filter is run against sample CloudTrail events that the item must
catch and ones it must ignore.

Grammar reproduced from the CloudWatch Logs filter pattern syntax for JSON log
events: comparisons ``$.a.b[0] = value`` with ``=``, ``!=``, ``<``, ``<=``, ``>``,
``>=``; ``IS NULL``, ``NOT EXISTS``, ``IS TRUE``/``IS FALSE``; string values quoted or
bare, where ``*`` is a wildcard and ``%...%`` a regular expression; ``&&`` and ``||``
(``&&`` binding tighter) and parentheses. A comparison on a field the event lacks
does not match (except ``NOT EXISTS``). Space-delimited and plain-term patterns are
not JSON patterns and are reported as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lp>\() | (?P<rp>\)) | (?P<and>&&) | (?P<or>\|\|)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<test>NOT\s+EXISTS|IS\s+NULL|IS\s+TRUE|IS\s+FALSE)\b
    | (?P<sel>\$(?:\.[^\s.\[\]()=!<>&|]+|\[\d+\])+)
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<regex>%(?:[^%\\]|\\.)*%)
    | (?P<bare>[^\s()&|=!<>"]+)
    )""",
    re.VERBOSE,
)
_MISSING = object()


class PatternError(ValueError):
    """The text is not a JSON filter pattern this evaluator understands."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def compile_pattern(text: str) -> Predicate:
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise PatternError("not a JSON filter pattern (no { ... })")
    tokens = _tokenize(body[1:-1])
    parser = _Parser(tokens)
    predicate = parser.expression()
    if parser.pos != len(tokens):
        raise PatternError(f"unexpected {tokens[parser.pos].text!r}")
    return predicate


def _tokenize(body: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _TOKEN.match(body, pos)
        if not m or m.end() == pos:
            raise PatternError(f"cannot read pattern at {body[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        tokens.append(_Token(kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self, kind: str) -> bool:
        return self.pos < len(self.tokens) and self.tokens[self.pos].kind == kind

    def _take(self, kind: str) -> _Token:
        if not self._peek(kind):
            found = self.tokens[self.pos].text if self.pos < len(self.tokens) else "end"
            raise PatternError(f"expected {kind}, found {found!r}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expression(self) -> Predicate:
        parts = [self._conjunction()]
        while self._peek("or"):
            self._take("or")
            parts.append(self._conjunction())
        return parts[0] if len(parts) == 1 else lambda e: any(p(e) for p in parts)

    def _conjunction(self) -> Predicate:
        parts = [self._atom()]
        while self._peek("and"):
            self._take("and")
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else lambda e: all(p(e) for p in parts)

    def _atom(self) -> Predicate:
        if self._peek("lp"):
            self._take("lp")
            inner = self.expression()
            self._take("rp")
            return inner
        path = _path(self._take("sel").text)
        if self._peek("test"):
            return _test(path, " ".join(self._take("test").text.split()))
        op = self._take("op").text
        for kind in ("str", "regex", "bare"):
            if self._peek(kind):
                return _comparison(path, op, kind, self._take(kind).text)
        raise PatternError(f"comparison on {'.'.join(map(str, path))} has no value")


def _path(selector: str) -> list[str | int]:
    return [
        int(p[1:-1]) if p.startswith("[") else p
        for p in re.findall(r"\[\d+\]|[^.\[\]$]+", selector)
    ]


def _lookup(event: Any, path: list[str | int]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not (isinstance(event, list) and step < len(event)):
                return _MISSING
        elif not (isinstance(event, Mapping) and step in event):
            return _MISSING
        event = event[step]
    return event


def _test(path: list[str | int], test: str) -> Predicate:
    expected = {"IS NULL": None, "IS TRUE": True, "IS FALSE": False}
    if test == "NOT EXISTS":
        return lambda e: _lookup(e, path) is _MISSING
    return lambda e: _lookup(e, path) is expected[test]


def _comparison(path: list[str | int], op: str, kind: str, raw: str) -> Predicate:
    if kind == "regex":
        regex = re.compile(raw[1:-1])
        text_match: Callable[[str], bool] = lambda v: regex.search(v) is not None  # noqa: E731
    else:
        value = raw[1:-1].replace('\\"', '"') if kind == "str" else raw
        wild = re.compile(".*".join(re.escape(p) for p in value.split("*")), re.DOTALL)
        text_match = lambda v: wild.fullmatch(v) is not None  # noqa: E731
    number = _number(raw) if kind == "bare" else None

    def predicate(event: Mapping[str, Any]) -> bool:
        found = _lookup(event, path)
        if found is _MISSING:
            return False
        if number is not None and isinstance(found, (int, float)) and not isinstance(found, bool):
            return _compare_numbers(float(found), op, number)
        if op not in ("=", "!="):
            return False
        same = text_match("null" if found is None else str(found))
        return same if op == "=" else not same

    return predicate


def _number(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _compare_numbers(left: float, op: str, right: float) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
