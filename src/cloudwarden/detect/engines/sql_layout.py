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
import re
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
    "extract_col",
    "json_col",
    "list_flag",
    "plan_for",
    "re2_escape",
    "record_type",
    "rule_fields",
    "value_doc_col",
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

    def dotted_patterns(self) -> tuple[str, str, str] | None:
        """RE2 patterns for a document's text when some key on a rule path *may* be a
        literal dotted key (``"userIdentity.``, ``"sessionIssuer.``): ``(gate, exact,
        escaped)``, the text holding one when it matches ``gate`` and ``exact``, or
        ``escaped``; ``None``: no such path.

        * ``exact``: such a head and a dot after a quote (in a key or, needlessly, a value);
        * ``gate``: a dot in a key (a dot, then the rest of a JSON string, then a colon).
          Every key ``exact`` is there for holds one, and few documents hold any: a quote
          starts every string and a search for ``exact`` stops at each, a dot is much rarer
          (``exact`` alone cost about 13% of a scan's instructions, ``gate`` 3%, measured
          with callgrind), so ``exact`` runs only on the documents ``gate`` matches (a
          ``CASE``: DuckDB computes its ``THEN`` for those rows alone);
        * ``escaped``: an escaped printable ASCII character (``\\u002e``), which could spell
          such a key too (the text is the file's own).

        Separate patterns rather than one alternation: RE2 scans a document several times
        faster for each alone than for ``a|b``.
        """
        if not self.dotted_heads:
            return None
        heads = "|".join(re2_escape(h) for h in self.dotted_heads)
        return ('\\.(?:[^"\\\\]|\\\\.)*"\\s*:', f'"({heads})\\.', "\\\\u00[2-7][0-9a-fA-F]")


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


_COSTLY = ("json_", "regexp_", "list_", "TRY_CAST")


def _cost(sql: str) -> int:
    """A rough cost of evaluating ``sql``: how many JSON, regex, list or cast calls it makes."""
    return sum(sql.count(word) for word in _COSTLY)


def value_doc_col(name: str) -> str:
    return _col("v_" + name)


def extract_col(name: str) -> str:
    return _col("x_" + name)


def list_flag(name: str) -> str:
    return _col("l_" + name)


class FileCompiler(_Compiler):
    """Rule leaves over the typed columns (promoted) and JSON columns (``j_<part>``).

    Paths into ``userIdentity``, read by rules that run on every record, are extracted
    once per record into one list (``x_userIdentity``, one JSON parse) rather than once
    per leaf; so are the paths of grouping texts (:meth:`value_text`), in any part.

    An IPv6 ``cidr`` on a promoted field compiles to ``false``, which is exact for every
    value without a ``:`` (the evaluator's ``ip_address`` makes such a text IPv4 or
    invalid, never a member of an IPv6 network); the field lands in :attr:`colon_fields`,
    and a record whose value holds a ``:`` is irregular (left to the streaming engine).
    """

    def __init__(self, dialect: Dialect, extract: Iterable[str] = ("userIdentity",)) -> None:
        super().__init__(dialect)
        #: per JSON part read through one extraction (``x_<part>``), its paths in list order
        self.extracted: dict[str, dict[str, int]] = {head: {} for head in extract}
        #: parts whose paths rule leaves read through the extraction (grouping texts always do)
        self.rule_extract = tuple(extract)
        #: per JSON part, the tests of the grouping texts read from it (see :meth:`value_doc`)
        self.value_odd: dict[str, dict[str, None]] = {}
        self.colon_fields: dict[str, None] = {}
        #: fields a regex tests where Python's ``re`` (the evaluator) and RE2 may read it
        #: differently, with the texts on which they may: "end" (a ``$``: Python's matches
        #: before a final newline too) and "unicode" (``\s``, ``\d``, ``\w``, ``\b`` and
        #: case folding are Unicode in Python, ASCII in RE2)
        self.regex_fields: dict[str, set[str]] = {}

    @property
    def identity_paths(self) -> dict[str, int]:
        return self.extracted.setdefault("userIdentity", {})

    def expr(self, e: Expr) -> str:
        """As the base compiler, but a conjunction (disjunction) tests its cheap terms
        (typed columns, extracted texts) first and the costly ones (JSON extraction, regexes,
        lists) only where those hold (fail): DuckDB evaluates a ``CASE`` branch on the rows
        that reach it, while ``AND`` / ``OR`` in a projection evaluate every term on every
        row. Exact: every compiled term is a two-valued boolean (leaves are
        ``coalesce(..., false)``), so ``a AND b`` equals ``CASE WHEN a THEN b ELSE false END``
        and ``a OR b`` equals ``CASE WHEN a THEN true ELSE b END``, in either order."""
        if not isinstance(e, And | Or):
            return super().expr(e)
        terms = sorted((self.expr(a) for a in e.args), key=_cost)
        both = isinstance(e, And)
        cheap = [t for t in terms if not _cost(t)]
        out = (" AND " if both else " OR ").join(cheap)
        for term in terms[len(cheap) :]:
            if not out:
                out = term
            elif both:
                out = f"CASE WHEN {out} THEN {term} ELSE false END"
            else:
                out = f"CASE WHEN {out} THEN true ELSE {term} END"
        return f"({out})"

    def value_tests(self, m: Match) -> list[Callable[[str], str]]:
        if m.op == "re":
            for v in m.values:
                self._regex_dialect(m.field, str(v), m.regex_flags)
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

    def _regex_dialect(self, name: str, pattern: str, flags: str) -> None:
        """Note where the two regex dialects could part on ``pattern`` (see
        :attr:`regex_fields`); conservative: any ``$``, any of the escapes."""
        found = self.regex_fields.setdefault(name, set())
        if "$" in pattern:
            found.add("end")
        if "i" in flags or re.search(r"\\[sSdDwWbB]|\(\?[a-zA-Z]*i", pattern):
            found.add("unicode")
        if not found:
            del self.regex_fields[name]

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
        head = parts[0]
        path = "$" + "".join(_json_key(p) for p in parts[1:])
        v = self._extract(head, path)
        self.value_odd.setdefault(head, {})[
            f"left({v}, 1) IN ('{{', chr(2)) "
            f"OR position(chr(30) IN {v}) + position(chr(31) IN {v}) > 0"
        ] = None
        doc = value_doc_col(head)
        return f"(CASE WHEN {doc} IS NOT NULL THEN chr(2) || {doc} ELSE coalesce({v}, '') END)"

    def value_doc(self, head: str) -> str:
        """SQL of column ``v_<head>``: the part's JSON text where a grouping text read from it
        could differ (a list in the part, or some value text :meth:`value_text` reads odd),
        else NULL -- so that only those rare texts travel past the rule scan. Sending the
        JSON for a field whose own text is plain is exact too: the caller computes it."""
        odd = " OR ".join(f"({t})" for t in self.value_odd.get(head, ()))
        return f"CASE WHEN {list_flag(head)} OR {odd} THEN {json_col(head)} END"

    def _extract(self, head: str, path: str) -> str:
        paths = self.extracted.setdefault(head, {})
        index = paths.setdefault(path, len(paths) + 1)
        return f"{extract_col(head)}[{index}]"

    def scalar(self, head: str, path: str) -> str:
        if head not in self.rule_extract:
            return self.d.json_strings(json_col(head), path)
        return self._extract(head, path)

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
