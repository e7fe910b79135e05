"""Batch engine: the rule IR compiled to one SQL scan over a table of CloudTrail events.

Table ``events`` (see :data:`COLUMNS`): ``_key`` (the event key, CloudTrail ``eventID``),
``_irregular`` (a promoted path reached a list or several values), ``eventTime`` as
TIMESTAMP, ``readOnly`` as BOOLEAN, the other promoted fields as VARCHAR holding the text the
reference evaluator compares (strings as is, numbers/booleans in JSON spelling, objects as
compact JSON), and ``raw``, the whole record as JSON. Promoted columns are filled on the
Python side with the reference evaluator's own path walk, so a record is never subject to
DuckDB's JSON schema inference (real CloudTrail breaks it: ``Tagging``/``tagging``).

Semantics follow :mod:`cloudwarden.detect.rules.evaluate`:

* every leaf is wrapped in ``coalesce(..., false)``, so a missing field makes a positive match
  false and ``NOT`` holds (Sigma's two-valued logic, not SQL's ``NULL``);
* strings compare case-insensitively via ``lower(x) = 'c'`` / ``lower(x) LIKE 'p' ESCAPE '\\'``
  (``%``, ``_`` and ``\\`` escaped) unless the rule says ``cased``;
* a non-promoted path ``a.b.c`` is read from ``raw`` as the list of all values reached, each
  step optionally crossing a list (``$.a[*].b`` ...), unioned; a literal dotted key
  ``"a.b.c"`` present at the top level wins, as in the evaluator;
* ``cidr`` on IPv4 compiles to a strict dotted-quad check plus a numeric range comparison.

Known, documented gaps (a rule hitting one at compile time is reported in
:attr:`SqlEngine.unsupported` and left out, never silently different): keywords (search of
every string), IPv6 ``cidr``, regex flags other than ``i``. Gaps only reachable through odd
data: lists nested directly in lists along a path (the evaluator flattens them), float values
such as ``1.0`` (DuckDB keeps ``1.0``, the evaluator says ``1``), non-ASCII case folding where
DuckDB's ``lower`` and Python's ``str.lower`` differ, regexes outside the RE2 subset, and
regexes the two read differently (Python's ``$`` also matches before a final newline, its
``\\s``, ``\\d`` and ``\\w`` are Unicode where RE2's are ASCII). A numeric comparison takes a
text as a number only in :data:`~cloudwarden.detect.rules.evaluate.NUMBER_PATTERN`, on both
sides (DuckDB's cast and Python's ``float`` each take more, not the same more).

Every DuckDB-specific construct is produced by one entry of :data:`DUCKDB` (a dialect table);
the rest is plain SQL, so a Spark dialect is a second table.

:meth:`SqlEngine.run_files` is the fast path: DuckDB reads the CloudTrail files itself, with
explicit types, and no record passes through Python (see
:mod:`cloudwarden.detect.engines.sql_files`); :meth:`SqlEngine.run` takes events already
parsed (any source), at about four times the cost of parsing them.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import orjson

from cloudwarden.detect.rules.evaluate import NUMBER_PATTERN, _getter, _text
from cloudwarden.detect.rules.ir import And, Expr, Keyword, Match, Not, Or, Rule, Value
from cloudwarden.detect.sources.model import Event

__all__ = ["COLUMNS", "DUCKDB", "Dialect", "SqlEngine", "UnsupportedForSql"]

#: Promoted column -> SQL type. Only VARCHAR columns are used for matching.
COLUMNS: dict[str, str] = {
    "eventVersion": "VARCHAR",
    "eventTime": "TIMESTAMP",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "eventID": "VARCHAR",
    "eventType": "VARCHAR",
    "readOnly": "BOOLEAN",
    "recipientAccountId": "VARCHAR",
    "requestID": "VARCHAR",
    "managementEvent": "BOOLEAN",
    "eventCategory": "VARCHAR",
    "userIdentity.type": "VARCHAR",
    "userIdentity.arn": "VARCHAR",
    "userIdentity.accountId": "VARCHAR",
    "userIdentity.principalId": "VARCHAR",
    "userIdentity.userName": "VARCHAR",
    "userIdentity.accessKeyId": "VARCHAR",
    "userIdentity.invokedBy": "VARCHAR",
    "userIdentity.sessionContext.sessionIssuer.arn": "VARCHAR",
}
_TEXT_COLUMNS = tuple(c for c, t in COLUMNS.items() if t == "VARCHAR")


class UnsupportedForSql(ValueError):
    """A rule construct the SQL engine cannot compile with exactly the reference semantics."""


@dataclass(frozen=True)
class Dialect:
    """The SQL-dialect-specific pieces. Everything else the compiler emits is ANSI-ish SQL."""

    name: str
    #: every value text reached by a JSON path (a list expression) -- ``json_extract_string``
    json_strings: Callable[[str, str], str]
    #: SQL of the JSON type name at a path (``json_type``)
    json_type: Callable[[str, str], str]
    #: whether a JSON path exists (``json_exists``)
    json_exists: Callable[[str, str], str]
    #: list concatenation (``list_concat``)
    list_concat: Callable[[Sequence[str]], str]
    #: true when some element satisfies a predicate (``list_filter`` + lambda)
    list_any: Callable[[str, str, str], str]
    #: unanchored regex search with flags (``regexp_matches``, RE2 syntax)
    regex: Callable[[str, str, str], str]
    #: full-string regex match (``regexp_full_match``)
    regex_full: Callable[[str, str], str]
    #: text to double or NULL (``TRY_CAST``)
    try_double: Callable[[str], str]
    #: per-row list of matching rule ids, exploded (``unnest(list_filter([...]))``)
    explode_ids: Callable[[Sequence[str]], str]


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


DUCKDB = Dialect(
    name="duckdb",
    json_strings=lambda doc, path: f"json_extract_string({doc}, {_q(path)})",
    json_type=lambda doc, path: f"json_type({doc}, {_q(path)})",
    json_exists=lambda doc, path: f"json_exists({doc}, {_q(path)})",
    list_concat=lambda parts: parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})",
    list_any=lambda lst, var, pred: f"(len(list_filter({lst}, lambda {var}: {pred})) > 0)",
    regex=lambda x, pat, flags: (
        f"regexp_matches({x}, {_q(pat)}, {_q(flags)})"
        if flags
        else f"regexp_matches({x}, {_q(pat)})"
    ),
    regex_full=lambda x, pat: f"regexp_full_match({x}, {_q(pat)})",
    # a number only in the evaluator's grammar (DuckDB's cast also takes " 5", "nan", ...)
    try_double=lambda x: (
        f"CASE WHEN regexp_full_match({x}, {_q(NUMBER_PATTERN)}) THEN TRY_CAST({x} AS DOUBLE) END"
    ),
    explode_ids=lambda cases: (
        "unnest(list_filter([" + ",\n    ".join(cases) + "], lambda r: r IS NOT NULL))"
    ),
)


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sigma_to_like(pattern: str) -> str:
    r"""Sigma wildcard (``*``, ``?``, ``\`` escaping) to a LIKE pattern with ``\`` as escape."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(_like_escape(pattern[i + 1]))
            i += 2
            continue
        out.append("%" if c == "*" else "_" if c == "?" else _like_escape(c))
        i += 1
    return "".join(out)


def _json_key(part: str) -> str:
    if part.replace("_", "a").isalnum():
        return "." + part
    return '."' + part.replace('"', '\\"') + '"'


_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"


class _Compiler:
    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self._var = 0

    def var(self) -> str:
        self._var += 1
        return f"v{self._var}"

    # ---- expressions ----
    def expr(self, e: Expr) -> str:
        if isinstance(e, And):
            return "(" + " AND ".join(self.expr(a) for a in e.args) + ")"
        if isinstance(e, Or):
            return "(" + " OR ".join(self.expr(a) for a in e.args) + ")"
        if isinstance(e, Not):
            return f"(NOT {self.expr(e.arg)})"
        if isinstance(e, Keyword):
            raise UnsupportedForSql("keywords (search in every string) are not compiled to SQL")
        return self.match(e)

    # ---- values of a field ----
    def json_values(self, field: str) -> str:
        """A list expression of every value text the path reaches in ``raw``."""
        parts = field.split(".")
        split = self._path_values(parts)
        if len(parts) == 1:
            return split
        literal = self._path_values([field])
        return (
            f"(CASE WHEN {self.d.json_exists('raw', '$' + _json_key(field))} "
            f"THEN {literal} ELSE {split} END)"
        )

    def _path_values(self, parts: list[str]) -> str:
        if len(parts) > 5:
            raise UnsupportedForSql(f"field path deeper than 5 steps: {'.'.join(parts)}")
        pieces: list[str] = []
        for stars in product((False, True), repeat=len(parts)):
            path = "$" + "".join(
                _json_key(p) + ("[*]" if s else "") for p, s in zip(parts, stars, strict=True)
            )
            if any(stars):
                pieces.append(self.d.json_strings("raw", path))
            else:
                pieces.append(
                    f"(CASE WHEN coalesce({self.d.json_type('raw', path)}, '') <> 'ARRAY' "
                    f"THEN [{self.d.json_strings('raw', path)}] ELSE [] END)"
                )
        return self.d.list_concat(pieces)

    def match(self, m: Match) -> str:
        if m.op.startswith("fieldref"):
            return self.fieldref(m)
        if m.field in _TEXT_COLUMNS:
            col = _col(m.field)
            scalar = self.leaf(m, lambda pred: pred(col), present=f"{col} IS NOT NULL")
            slow = self.over_list(m, self.json_values(m.field))
            return f"(CASE WHEN _irregular THEN {slow} ELSE coalesce({scalar}, false) END)"
        return self.over_list(m, self.json_values(m.field))

    def over_list(self, m: Match, values: str) -> str:
        def each(pred: Callable[[str], str]) -> str:
            v = self.var()
            return self.d.list_any(values, v, pred(v))

        v = self.var()
        present = self.d.list_any(values, v, f"{v} IS NOT NULL")
        return f"coalesce({self.leaf(m, each, present)}, false)"

    def leaf(self, m: Match, each: Callable[[Callable[[str], str]], str], present: str) -> str:
        """The condition, given ``each(pred)`` = "some value satisfies pred"."""
        if m.op in ("null", "exists"):
            want = m.op == "exists" and bool(m.values[0] if m.values else True)
            return present if want else f"(NOT {present})"
        tests = self.value_tests(m)
        if m.all:
            return "(" + " AND ".join(f"coalesce({each(t)}, false)" for t in tests) + ")"
        return each(lambda x: "(" + " OR ".join(t(x) for t in tests) + ")")

    def value_tests(self, m: Match) -> list[Callable[[str], str]]:
        d = self.d
        op = m.op

        def norm(x: str) -> str:
            return x if m.cased else f"lower({x})"

        def const(v: Value) -> str:
            t = _text(v)
            assert t is not None
            return t if m.cased else t.lower()

        if op in ("lt", "lte", "gt", "gte", "neq"):
            sym = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "neq": "<>"}[op]

            def compare(b: float) -> Callable[[str], str]:
                return lambda x: f"({d.try_double(x)} {sym} {b!r})"

            return [compare(float(v)) for v in m.values]
        if op == "cidr":
            return [self.cidr(str(v)) for v in m.values]
        if op == "re":
            if set(m.regex_flags) - {"i"}:
                raise UnsupportedForSql(f"regex flags {m.regex_flags!r} (only 'i' is compiled)")

            def regex(p: str) -> Callable[[str], str]:
                return lambda x: d.regex(x, p, m.regex_flags)

            return [regex(str(v)) for v in m.values]
        if op == "equals":
            consts = [const(v) for v in m.values]
            if m.all:

                def eq(c: str) -> Callable[[str], str]:
                    return lambda x: f"({norm(x)} = {_q(c)})"

                return [eq(c) for c in consts]
            inlist = ", ".join(_q(c) for c in consts)
            return [lambda x: f"({norm(x)} IN ({inlist}))"]
        if op == "wildcard":
            pats = [_sigma_to_like(str(v) if m.cased else str(v).lower()) for v in m.values]
        elif op == "contains":
            pats = ["%" + _like_escape(const(v)) + "%" for v in m.values]
        elif op == "startswith":
            pats = [_like_escape(const(v)) + "%" for v in m.values]
        elif op == "endswith":
            pats = ["%" + _like_escape(const(v)) for v in m.values]
        else:
            raise UnsupportedForSql(f"operator {op!r}")

        def like(p: str) -> Callable[[str], str]:
            return lambda x: f"({norm(x)} LIKE {_q(p)} ESCAPE '\\')"

        return [like(p) for p in pats]

    def cidr(self, spec: str) -> Callable[[str], str]:
        net = ipaddress.ip_network(spec, strict=False)
        if net.version != 4:
            raise UnsupportedForSql(f"IPv6 cidr {spec} (only IPv4 ranges are compiled)")
        lo, hi = int(net.network_address), int(net.broadcast_address)

        def test(x: str) -> str:
            num = " + ".join(
                f"CAST(split_part({x}, '.', {i + 1}) AS BIGINT) * {256 ** (3 - i)}"
                for i in range(4)
            )
            return (
                f"(CASE WHEN {self.d.regex_full(x, _IPV4)} "
                f"THEN ({num}) BETWEEN {lo} AND {hi} ELSE false END)"
            )

        return test

    def fieldref(self, m: Match) -> str:
        mine = self.json_values(m.field)

        def norm(x: str) -> str:
            return x if m.cased else f"lower({x})"

        parts: list[str] = []
        for other in m.values:
            theirs = self.json_values(str(other))
            a, b = self.var(), self.var()
            rel = {
                "fieldref": f"{norm(a)} = {norm(b)}",
                "fieldref_startswith": f"starts_with({norm(a)}, {norm(b)})",
                "fieldref_endswith": f"ends_with({norm(a)}, {norm(b)})",
            }[m.op]
            inner = self.d.list_any(theirs, b, rel)
            parts.append(f"coalesce({self.d.list_any(mine, a, inner)}, false)")
        return "(" + (" AND " if m.all else " OR ").join(parts) + ")"


class SqlEngine:
    """Compile rules into one fused SQL scan and run it with DuckDB.

    ``compile()`` returns the SQL (rules in :attr:`unsupported` are left out);
    ``run(events)`` loads the events into ``events`` and returns sorted
    ``(rule_id, event_key)`` pairs.
    """

    def __init__(self, rules: Iterable[Rule], dialect: Dialect = DUCKDB) -> None:
        self.rules = tuple(rules)
        self.dialect = dialect
        self.unsupported: dict[str, str] = {}
        self.predicates: dict[str, str] = {}
        comp = _Compiler(dialect)
        for rule in self.rules:
            if rule.python:  # arbitrary Python: the batch path runs it on the streaming engine
                self.unsupported[rule.id] = "python function"
                continue
            try:
                self.predicates[rule.id] = comp.expr(rule.detection)
            except UnsupportedForSql as exc:
                self.unsupported[rule.id] = str(exc)

    def compile(self) -> str:
        cases = [f"CASE WHEN {p} THEN {_q(rid)} END" for rid, p in self.predicates.items()]
        if not cases:
            return "SELECT _key, NULL AS rule_id FROM events WHERE false"
        return f"SELECT _key, {self.dialect.explode_ids(cases)} AS rule_id\nFROM events"

    def run_files(
        self, paths: Iterable[str | os.PathLike[str]], stats: Any = None, con: Any = None
    ) -> list[tuple[str, str]]:
        """Sorted ``(rule_id, event_key)`` pairs over CloudTrail files that DuckDB reads itself
        (see :mod:`cloudwarden.detect.engines.sql_files`); ``stats``, a
        :class:`~cloudwarden.detect.sources.SourceStats`, counts files, events and problems."""
        from cloudwarden.detect.engines.sql_files import SqlFileScan
        from cloudwarden.detect.sources.model import SourceStats

        scan = SqlFileScan(self.rules, self.dialect)
        hits = scan.scan(paths, stats if stats is not None else SourceStats(), con)
        return sorted((h.rule_id, h.event_id) for h in hits)

    def run(self, events: Iterable[Event], con: Any = None) -> list[tuple[str, str]]:
        import duckdb

        own = con is None
        con = con or duckdb.connect()
        try:
            load_events(con, events)
            rows = con.execute(self.compile()).fetchall()
        finally:
            if own:
                con.close()
        return sorted((str(r), str(k)) for k, r in rows)


_GETTERS = tuple((c, _getter(c)) for c in COLUMNS)
#: columns a direct ``raw[head]`` / ``raw["userIdentity"][tail]`` lookup reads exactly when the
#: record has no dotted top-level key and ``userIdentity`` is an object
_FAST = frozenset(
    c for c in COLUMNS if c != "eventTime" and (c.count(".") == 0 or c.count(".") == 1)
)


def _row(event: Event) -> dict[str, Any]:
    raw = event.raw
    if not isinstance(raw, dict):
        raise TypeError("the SQL engine takes CloudTrail events (raw must be a JSON object)")
    row: dict[str, Any] = {"_key": event.key, "raw": raw}
    irregular = False
    ident = raw.get("userIdentity")
    fast = type(ident) is dict and not any("." in k for k in raw)
    for name, get in _GETTERS:
        if fast and name in _FAST:  # plain nesting, no lists on the way: a direct lookup
            head, _, tail = name.partition(".")
            v = raw.get(head) if not tail else ident.get(tail)  # type: ignore[union-attr]
            if v is None:
                continue
            if type(v) is not list:
                row[name] = _text(v) if COLUMNS[name] == "VARCHAR" else v
                if COLUMNS[name] == "BOOLEAN" and not isinstance(v, bool):
                    row[name] = None
                continue
        vals = get(raw)
        if not vals:
            continue
        if len(vals) > 1 or isinstance(raw.get(name.split(".")[0]), list):
            irregular = True
            continue
        v = vals[0]
        kind = COLUMNS[name]
        if kind == "VARCHAR":
            row[name] = _text(v)
        elif kind == "BOOLEAN":
            row[name] = v if isinstance(v, bool) else None
        elif name == "eventTime":
            row[name] = event.time.isoformat() if event.time else None
    row["_irregular"] = irregular
    return row


def load_events(con: Any, events: Iterable[Event]) -> int:
    """(Re)create table ``events`` from events: rows serialised with orjson to a temporary
    newline-delimited file, read back with ``read_json`` and an explicit ``columns`` spec
    (no schema inference; ``raw`` typed JSON)."""
    spec = {"_key": "VARCHAR", "_irregular": "BOOLEAN", **COLUMNS, "raw": "JSON"}
    fd, path = tempfile.mkstemp(suffix=".ndjson")
    n = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            buf: list[bytes] = []
            for ev in events:
                buf.append(orjson.dumps(_row(ev)))
                n += 1
                if len(buf) >= 10_000:
                    fh.write(b"\n".join(buf) + b"\n")
                    buf.clear()
            if buf:
                fh.write(b"\n".join(buf) + b"\n")
        cols = "{" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in spec.items()) + "}"
        con.execute("DROP TABLE IF EXISTS events")
        con.execute(
            f"CREATE TABLE events AS SELECT * FROM read_json({_q(path)}, "
            f"format='newline_delimited', columns={cols}, maximum_object_size=268435456)"
        )
    finally:
        os.unlink(path)
    return n
