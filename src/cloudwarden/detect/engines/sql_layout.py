"""The record layout the file scan reads, and the rule compiler over it.

:mod:`cloudwarden.detect.engines.sql_files` asks DuckDB for each record as a struct of
explicitly typed fields: the promoted top-level CloudTrail fields (:data:`PROMOTED`) as
VARCHAR, and every other top-level part a rule reads as JSON text (column ``j_<part>``,
with ``l_<part>`` saying whether that text holds a ``[``). :class:`FileCompiler` compiles
rule leaves over those columns with the reference evaluator's semantics, reusing the
value tests of :class:`~cloudwarden.detect.engines.sql._Compiler`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import product

from cloudwarden.detect.engines.sql import (
    Dialect,
    UnsupportedForSql,
    _col,
    _Compiler,
    _json_key,
)
from cloudwarden.detect.rules.ir import And, Expr, Keyword, Match, Not, Or

__all__ = [
    "ALWAYS_JSON",
    "PROMOTED",
    "FileCompiler",
    "Plan",
    "json_col",
    "list_flag",
    "plan_for",
    "record_type",
    "rule_fields",
]

#: top-level CloudTrail fields read as typed VARCHAR columns
PROMOTED: tuple[str, ...] = (
    "eventVersion",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventType",
    "recipientAccountId",
    "eventCategory",
    "apiVersion",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "sessionCredentialFromConsole",
)
#: read as JSON text (eventID, eventTime: checked to be plain strings)
ALWAYS_JSON = ("eventID", "eventTime", "userIdentity")


@dataclass
class Plan:
    """What the rules read: the JSON parts, the promoted fields, and the keys that could be
    literal dotted keys on a rule path (the first segment of each ``a.b...`` remainder)."""

    json_cols: list[str] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)
    dotted_heads: list[str] = field(default_factory=list)

    def dotted_pattern(self) -> str | None:
        """An RE2 pattern found in a document's text when some key on a rule path *may* be a
        literal dotted key (``"userIdentity.``, ``"sessionIssuer.``); ``None``: no such path."""
        if not self.dotted_heads:
            return None
        heads = "|".join(re2_escape(h) for h in self.dotted_heads)
        # the text is the file's own: an escaped printable ASCII character (``\u002e``)
        # could spell such a key too
        return f'"({heads})\\.|\\\\u00[2-7][0-9a-fA-F]'


def re2_escape(text: str) -> str:
    return "".join("\\" + c if not (c.isalnum() or c == "_") else c for c in text)


def rule_fields(e: Expr, out: dict[str, None]) -> None:
    if isinstance(e, Match):
        out[e.field] = None
        if e.op.startswith("fieldref"):
            for v in e.values:
                out[str(v)] = None
    elif isinstance(e, Not):
        rule_fields(e.arg, out)
    elif isinstance(e, And | Or):
        for a in e.args:
            rule_fields(a, out)
    elif isinstance(e, Keyword):
        raise UnsupportedForSql("keywords (search in every string) are not compiled to SQL")


def plan_for(paths: Iterable[str]) -> Plan:
    cols = dict.fromkeys(ALWAYS_JSON[2:])
    promoted = dict.fromkeys(("awsRegion", "recipientAccountId"))
    heads: dict[str, None] = {}
    for path in paths:
        parts = path.split(".")
        if parts[0] in PROMOTED:
            promoted[parts[0]] = None
        else:
            cols[parts[0]] = None
        for part in parts[:-1]:
            heads[part] = None
    return Plan([c for c in cols if c not in ALWAYS_JSON[:2]], list(promoted), list(heads))


def json_col(name: str) -> str:
    return _col("j_" + name)


def list_flag(name: str) -> str:
    return _col("l_" + name)


class FileCompiler(_Compiler):
    """Rule leaves over the typed columns (promoted) and JSON columns (``j_<part>``).

    Paths into ``userIdentity``, read by rules that run on every record, are extracted
    once per record into one list (``x_userIdentity``, one JSON parse) rather than once
    per leaf.

    An IPv6 ``cidr`` on a promoted field compiles to ``false``, which is exact for every
    value without a ``:`` (the evaluator's ``ip_address`` makes such a text IPv4 or
    invalid, never a member of an IPv6 network); the field lands in :attr:`colon_fields`,
    and a record whose value holds a ``:`` is irregular (left to the streaming engine).
    """

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.identity_paths: dict[str, int] = {}
        self.colon_fields: dict[str, None] = {}

    def value_tests(self, m: Match) -> list[Callable[[str], str]]:
        if m.op != "cidr":
            return super().value_tests(m)
        tests: list[Callable[[str], str]] = []
        for v in m.values:
            if ipaddress.ip_network(str(v), strict=False).version == 4:
                tests.append(self.cidr(str(v)))
                continue
            if m.field not in PROMOTED:
                raise UnsupportedForSql(f"IPv6 cidr {v} on {m.field} (only on promoted fields)")
            self.colon_fields[m.field] = None
            tests.append(lambda x: "false")
        return tests

    def value_text(self, name: str) -> str:
        """SQL of a field's grouping text (:func:`~cloudwarden.detect.engines.stream.field_text`)
        for a regular record: a scalar's text, ``''`` when missing or ``null``. When the text
        could differ (a list on the way, an object value) or would break the packing (a
        leading ``chr(2)``, an ASCII separator), it is ``chr(2)`` followed by the JSON text
        of the field's top-level part, from which the caller computes it exactly."""
        parts = name.split(".")
        if parts[0] in ALWAYS_JSON[:2]:
            raise UnsupportedForSql(f"grouping on {parts[0]} is not read by the file scan")
        if parts[0] in PROMOTED:
            return f"coalesce({_col(parts[0])}, '')" if len(parts) == 1 else "''"
        doc = json_col(parts[0])
        path = "$" + "".join(_json_key(p) for p in parts[1:])
        v = self.scalar(parts[0], path)
        odd = (
            f"left({v}, 1) IN ('{{', chr(2)) "
            f"OR position(chr(30) IN {v}) + position(chr(31) IN {v}) > 0"
        )
        return (
            f"(CASE WHEN {list_flag(parts[0])} OR {odd} THEN chr(2) || {doc} "
            f"ELSE coalesce({v}, '') END)"
        )

    def scalar(self, head: str, path: str) -> str:
        if head != "userIdentity":
            return self.d.json_strings(json_col(head), path)
        index = self.identity_paths.setdefault(path, len(self.identity_paths) + 1)
        return f'"x_userIdentity"[{index}]'

    def match(self, m: Match) -> str:
        if m.op.startswith("fieldref"):
            return self.fieldref(m)
        parts = m.field.split(".")
        if parts[0] in PROMOTED:
            if len(parts) > 1:  # a plain string has no members
                return self.over_list(m, "CAST([] AS VARCHAR[])")
            col = _col(parts[0])
            scalar = self.leaf(m, lambda pred: pred(col), present=f"{col} IS NOT NULL")
            return f"coalesce({scalar}, false)"
        path = "$" + "".join(_json_key(p) for p in parts[1:])
        one = self.scalar(parts[0], path)
        fast = self.leaf(m, lambda pred: pred(one), present=f"{one} IS NOT NULL")
        slow = self.over_list(m, self.json_values(m.field))
        return f"(CASE WHEN {list_flag(parts[0])} THEN {slow} ELSE coalesce({fast}, false) END)"

    def json_values(self, field: str) -> str:
        parts = field.split(".")
        if parts[0] in PROMOTED:
            return f"[{_col(parts[0])}]" if len(parts) == 1 else "CAST([] AS VARCHAR[])"
        doc, rest = json_col(parts[0]), parts[1:]
        if len(rest) > 5:
            raise UnsupportedForSql(f"field path deeper than 6 steps: {field}")
        pieces: list[str] = []
        for stars in product((False, True), repeat=len(rest) + 1):
            path = ("$[*]" if stars[0] else "$") + "".join(
                _json_key(p) + ("[*]" if s else "") for p, s in zip(rest, stars[1:], strict=True)
            )
            if any(stars):
                pieces.append(self.d.json_strings(doc, path))
            else:
                pieces.append(
                    f"(CASE WHEN coalesce({self.d.json_type(doc, path)}, '') <> 'ARRAY' "
                    f"THEN [{self.d.json_strings(doc, path)}] ELSE [] END)"
                )
        return self.d.list_concat(pieces)


def record_type(plan: Plan) -> dict[str, str]:
    spec = dict.fromkeys(PROMOTED, "VARCHAR")
    for name in (*ALWAYS_JSON, *plan.json_cols, "CloudTrailEvent"):
        spec[name] = "JSON"
    return spec
