"""The batch engine reading CloudTrail files itself: DuckDB parses, projects and matches.

:meth:`SqlFileScan.scan` hands DuckDB the delivered files (``{"Records": [...]}``
documents, gzip or not, and JSON Lines) and runs one query per chunk of files:
``read_json_objects`` reads each document as JSON (line by line when the file is compact,
one line as CloudTrail writes it: DuckDB then parses it once), ``json_transform`` turns its
``Records`` into a list of structs with an **explicit** type description -- no schema
inference, which real CloudTrail breaks (``Tagging``/``tagging``) -- and the fused rule scan
runs over the unnested records. The description holds only what the rules and the alerts
need: the promoted top-level fields (:data:`PROMOTED`) as VARCHAR, and every other
top-level part a rule reads (``userIdentity``, ``requestParameters``, ...) as JSON text,
on which rule paths are JSON paths. Nothing else of a record is materialised.

**Exactness.** The SQL is exact for *regular* records; for the rest a whole file is
evaluated by the streaming engine (the reference closures) instead, so the result is the
streaming engine's, hit for hit, and its problems are counted exactly as
:func:`cloudwarden.detect.sources.read_events` counts them. A record is irregular when the
typed projection could hide a difference (each test is conservative, never the reverse):

* ``eventID`` / ``eventTime`` not a plain JSON string without escapes (``eventTime`` not
  CloudTrail's ``YYYY-MM-DDTHH:MM:SSZ``), or the record is not an object (the reader may
  find it unparseable: it is counted there);
* a promoted field holding a list or an object (its text starts with ``[`` or ``{``), or
  an account or region holding the ASCII separators the hits are packed with;
* a JSON part with a list directly inside a list (``[[`` or ``,[``), or a key on a rule
  path that contains a dot (the evaluator tries literal dotted keys first), top level or nested;
* a JSON Lines row that is a saved ``LookupEvents`` item or not valid JSON;
* a file holding JSON only DuckDB accepts (``NaN``, ``Infinity``, trailing commas, numbers
  beyond a double: :data:`_NONSTANDARD_JSON`; the reader rejects it);
* a document without a ``Records`` list, a file holding more than one document (the
  reader rejects it), or a file DuckDB cannot parse (DuckDB stops the whole query on
  malformed JSON, naming the file: that file is set aside and the chunk re-run);
* a text a rule's regex reads where Python's ``re`` (the evaluator) and RE2 could part: one
  ending in a newline for a regex with ``$`` (Python's also matches before it), one past
  ASCII or holding a vertical tab or \\x1c-\\x1f for a regex with ``\\s``, ``\\d``, ``\\w``,
  ``\\b`` or case folding (Unicode in Python, ASCII in RE2), tested on the field, or on
  its JSON part as DuckDB writes it;
* a record that the detection of a rule with a ``python:`` function matches (the function
  runs on the record in Python: :attr:`SqlFileScan.routed`), or whose promoted field holds
  a ``:`` where a rule tests it against an IPv6 ``cidr`` (see
  :class:`~cloudwarden.detect.engines.sql_layout.FileCompiler`).

**Grouping values.** Given ``values`` (the fields thresholds and dedup group on), each
matched record also carries their texts (all of them: the reader blanks those none of its
rules reads, :meth:`SqlFileScan.rule_ids`); a text the SQL could render differently from
the evaluator (a list on the way, an object) travels as the JSON of the field's top-level
part, and the caller computes it in Python.
The texts of a part are extracted with one JSON parse per record (``x_<part>``); the part's
JSON (``v_<part>``) is carried past the rule scan only for the rare records where some text
read from it could differ, so the materialised scan holds no JSON text per record.

**Cost.** Rule conjunctions test typed columns first and JSON or regex terms only in
``CASE`` branches (see :meth:`~cloudwarden.detect.engines.sql_layout.FileCompiler.expr`);
the ``scan`` CTE stays ``MATERIALIZED``: inlined, DuckDB substitutes the fused rule
expressions into every use of the ids (some fifty times slower, measured).

Lists inside JSON parts are regular: a rule path crossing them is compiled to the union of
the JSON paths with and without ``[*]`` at each step, evaluated only for records whose part
contains a ``[``; other records take a single ``json_extract_string``.

Known gaps, as for :class:`~cloudwarden.detect.engines.sql.SqlEngine`: a key repeated in
one object (DuckDB keeps the first, orjson the last), a dotted top-level key whose value
is ``null``, floats such as ``1.0`` in promoted fields, and case folding outside ASCII
(outside regexes). And JSON that DuckDB takes and orjson does not which no text search
here sees: nesting deeper than 1,024 levels, and a vertical tab or form feed between
tokens (DuckDB skips them, the reader rejects the file). A differential fuzzer over
layouts, odd records and each rule's values found these and the cases now tested in
``tests/detect/engines/test_sql_files_fuzzed.py``.

Output order is the events' order (files in the given order, records in file order),
then the rules' order, like the streaming engine's; DuckDB keeps the insertion order of a
plain scan (``preserve_insertion_order``, its default), which is relied on here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cloudwarden.detect.alert import event_meta
from cloudwarden.detect.engines.file_kinds import cloudtrail_files
from cloudwarden.detect.engines.sql import DUCKDB, Dialect, UnsupportedForSql, _col, _q
from cloudwarden.detect.engines.sql_layout import (
    PROMOTED,
    FileCompiler,
    extract_col,
    json_col,
    list_flag,
    plan_for,
    record_type,
    rule_fields,
    value_doc_col,
)
from cloudwarden.detect.engines.sql_packed import (
    HIT_CHAR,
    ID_CHAR,
    PACKED_TAIL,
    SEP_CHAR,
    FileHit,
    PythonFile,
)
from cloudwarden.detect.engines.sql_pool import FILES_MARK, Fetched, file_list, run_chunks
from cloudwarden.detect.engines.stream import StreamEngine, index_keys
from cloudwarden.detect.rules.ir import Rule, correlation_fields
from cloudwarden.detect.sources.blobs import blob_events
from cloudwarden.detect.sources.model import SourceStats

__all__ = [
    "PACKED_TAIL",
    "PROMOTED",
    "FileHit",
    "PythonFile",
    "SqlFileScan",
    "cloudtrail_files",
]

#: CloudTrail's eventTime as the reader takes it (datetime.fromisoformat): DuckDB's cast
#: alone also takes hour 24, year 0 and spaces for digits; the cast then rejects 30 February
_TIME_RE = (
    '"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})'
    '-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"'
)
#: the SQL of the separators (see :mod:`~cloudwarden.detect.engines.sql_packed`)
_SEP, _HIT_SEP, _ID_SEP = (f"chr({ord(c)})" for c in (SEP_CHAR, HIT_CHAR, ID_CHAR))
_MAX_OBJECT = 1 << 30
#: a document's text holding what DuckDB's JSON reader accepts and the reader (orjson,
#: strict RFC 8259) rejects: NaN or Infinity in any case (DuckDB: ``nan``, ``-inf``, ...), a
#: comma before a closing bracket, a number with a three-digit exponent (``1e400``) or a
#: hundred digits (beyond a double past 309); its file goes to the reader, which counts it
#: unparseable. One search per
#: character such a value can follow: RE2 skips to a single first byte, and an
#: alternation led by ``[:,\[]`` cost three times as much (measured). Conservative: the
#: same text inside a string (``": info"``) only sends a file to the reader for nothing.
_ODD_VALUE = r"\s*(?:[-+]?(?i:nan|inf)|-?[0-9][0-9.]*[eE][+]?[0-9]{3}|-?[0-9]{100})"
_NONSTANDARD_JSON = (f":{_ODD_VALUE}", f",(?:{_ODD_VALUE}|\\s*[\\]}}])", f"\\[{_ODD_VALUE}")
#: the ASCII controls Python's Unicode ``\\s`` takes and RE2's does not (past ASCII, the
#: test is a text with more bytes than characters)
_ODD_CONTROL = r"[\x0b\x1c-\x1f]"
#: a record's ids from the columns of :meth:`SqlFileScan.fused` (``''``: no rule matched)
_COMBINE = (
    "CASE WHEN ids_a = '' THEN coalesce(ids_b, '') WHEN coalesce(ids_b, '') = '' THEN ids_a "
    f"ELSE ids_a || {_ID_SEP} || ids_b END"
)
#: parts whose rule paths are read from one extraction per record: ``userIdentity``, read by
#: rules that run on every record (``requestParameters`` too measured no faster)
_RULE_EXTRACT = ("userIdentity",)


class SqlFileScan:
    """Compile rules once for files; :meth:`scan` runs them over CloudTrail files."""

    def __init__(
        self, rules: Iterable[Rule], dialect: Dialect = DUCKDB, values: Sequence[str] = ()
    ) -> None:
        self.rules = tuple(rules)
        self.dialect = dialect
        self.unsupported: dict[str, str] = {}
        self.predicates: dict[str, str] = {}
        #: rules with a ``python:`` function: a record their detection matches sends its
        #: file to the streaming engine, which runs the function
        self.routed: dict[str, str] = {}
        found: dict[str, None] = dict.fromkeys(values)
        comp = FileCompiler(dialect, _RULE_EXTRACT)
        for rule in self.rules:
            if SEP_CHAR in rule.id or HIT_CHAR in rule.id or ID_CHAR in rule.id:
                self.unsupported[rule.id] = "rule id holds an ASCII separator"
                continue
            try:
                fields: dict[str, None] = {}
                rule_fields(rule.detection, fields)
                pred = comp.expr(rule.detection)
                found.update(fields)
            except UnsupportedForSql as exc:
                self.unsupported[rule.id] = str(exc)
                continue
            if getattr(rule, "python", None):
                self.routed[rule.id] = pred
            else:
                self.predicates[rule.id] = pred
        #: the fields whose texts every matched record carries, in this order (``''``
        #: where no rule of the record reads the field)
        self.value_fields = tuple(values)
        self._value_sql = [comp.value_text(v) for v in self.value_fields]
        self.plan = plan_for(found)
        self.colon_fields = tuple(comp.colon_fields)
        self.regex_fields = {k: frozenset(v) for k, v in comp.regex_fields.items()}
        #: the alert's account falls back to ``userIdentity.accountId``: extracted with the
        #: rules' ``userIdentity`` paths, in the same one JSON parse per record
        self._account_index = comp.identity_paths.setdefault(
            "$.accountId", len(comp.identity_paths) + 1
        )
        self.identity_paths = tuple(comp.identity_paths)
        self.extracted = {head: tuple(paths) for head, paths in comp.extracted.items()}
        self._value_docs = [
            f"{comp.value_doc(head)} AS {value_doc_col(head)}" for head in comp.value_odd
        ]
        self._order = {rid: i for i, rid in enumerate(self.predicates)}
        self._ids_cache: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        #: per rule, the places in :attr:`value_fields` of the texts it groups on
        self._reads = {
            r.id: {k for k, v in enumerate(self.value_fields) if v in correlation_fields(r)}
            for r in self.rules
            if r.id in self.predicates
        }
        self._by_source: dict[str, list[str]] = {}
        self._always: list[str] = []
        for rule in self.rules:
            if rule.id not in self.predicates:
                continue
            keys = index_keys(rule.detection)
            if not keys or any(s is None for s, _ in keys):
                self._always.append(rule.id)
                continue
            for source in sorted({s for s, _ in keys if s is not None}):
                self._by_source.setdefault(source, []).append(rule.id)
        self.record_type = record_type(self.plan)
        self._fallback = StreamEngine(
            r for r in self.rules if r.id in self.predicates or r.id in self.routed
        )
        #: CloudTrail JSON files the last scan left to the streaming engine, and why (files
        #: of other kinds, or not JSON, also go through the reader, and are not listed)
        self.fallback_files: dict[str, str] = {}

    # ---- SQL ----
    def fused(self) -> list[tuple[str, str]]:
        """The ids of the rules a record matches, as columns ``(name, SQL)`` to compute once
        (see :data:`_COMBINE` for the record's ids): the rules run on every record
        (``ids_a``, ``''`` when none matches), and the others (``ids_b``, ``NULL`` outside
        their sources), each joined by ``chr(29)``.

        Rules are grouped as the streaming engine indexes them: a rule whose every match
        needs ``eventSource`` among some values runs only in those branches of a ``CASE`` on
        ``lower(eventSource)``; the others run on every record. The ids are put back in
        rule order when the hits are read. No ``nullif`` to drop empty parts: DuckDB
        expands ``nullif(x, '')`` to a ``CASE`` that evaluates ``x`` twice, which doubled
        the cost of the rules (measured).
        """

        def join(ids: Sequence[str]) -> str:
            cases = [f"CASE WHEN {self.predicates[rid]} THEN {_q(rid)} END" for rid in ids]
            return f"concat_ws({_ID_SEP}, " + ",\n  ".join(cases) + ")"

        always = join(self._always) if self._always else "''"
        if not self._by_source:
            return [("ids_a", always), ("ids_b", "''")]
        branches = "\n".join(
            f"WHEN {_q(source)} THEN {join(ids)}" for source, ids in sorted(self._by_source.items())
        )
        return [("ids_a", always), ("ids_b", f'CASE lower("eventSource")\n{branches}\nEND')]

    def irregular(self) -> str:
        """The condition under which a record is left to the streaming engine."""
        tests = [
            "r IS NULL",
            "NOT coalesce(starts_with(eid, '\"') AND position('\\' IN eid) = 0, false)",
            f"NOT coalesce(regexp_full_match(etime, {_q(_TIME_RE)}), false)",
            "TRY_CAST(substr(etime, 2, 19) AS TIMESTAMP) IS NULL",
            "r.CloudTrailEvent IS NOT NULL",
        ]
        tests.append("raw_odd")  # seen in the text: a literal dotted key, JSON only DuckDB takes
        for name in self.plan.promoted:
            c = f"r.{_col(name)}"
            tests.append(f"coalesce(left({c}, 1) IN ('[', '{{'), false)")
        for name in self.plan.json_cols:
            # a list directly inside a list, first ("[[") or later (",["): the evaluator
            # flattens it, the JSON paths do not (DuckDB writes the part compact)
            c = f"r.{_col(name)}"
            tests.append(f"coalesce(position('[[' IN {c}) + position(',[' IN {c}) > 0, false)")
        # the alert's account and region travel packed between ASCII separators
        for name in ("awsRegion", "recipientAccountId"):
            c = f"r.{_col(name)}"
            tests.append(
                f"coalesce(position(chr(30) IN {c}) + position(chr(31) IN {c}) > 0, false)"
            )
        for name in self.colon_fields:  # an IPv6 cidr the SQL cannot decide
            tests.append(f"coalesce(position(':' IN r.{_col(name)}) > 0, false)")
        # a text on which Python's re and RE2 may read a rule's regex differently: ending in
        # a newline (``$``), or holding what only Python's Unicode classes take (a vertical
        # tab, \x1c-\x1f, any non-ASCII character); in a JSON part, as DuckDB writes them
        for name, found in self.regex_fields.items():
            head = name.split(".")[0]
            if head in PROMOTED and "." in name:
                continue  # a plain string has no members: the regex never runs
            c = f"r.{_col(head)}"
            promoted = head in PROMOTED
            if "end" in found:
                end = f"ends_with({c}, chr(10))" if promoted else f"position('\\n\"' IN {c}) > 0"
                tests.append(f"coalesce({end}, false)")
            if "unicode" in found:  # past ASCII: more bytes than characters
                ctrl = (
                    f"regexp_matches({c}, {_q(_ODD_CONTROL)})"
                    if promoted
                    else f"position('\\u00' IN {c}) > 0"  # DuckDB escapes every control
                )
                tests.append(f"coalesce(strlen({c}) <> length({c}) OR {ctrl}, false)")
        for name in self.value_fields:  # grouping texts travel packed too
            if name in PROMOTED:
                c = f"r.{_col(name)}"
                tests.append(
                    f"coalesce(position(chr(30) IN {c}) + position(chr(31) IN {c}) > 0, false)"
                )
        ident = 'r."userIdentity"'
        tests.append(
            f"coalesce(position('\\u001E' IN {ident}) + position('\\u001F' IN {ident}) > 0, false)"
        )
        return " OR ".join(f"({t})" for t in tests)

    def query(self, files: Sequence[str], kind: str) -> str:
        """The fused scan of ``files`` of one ``kind`` (see
        :func:`~cloudwarden.detect.engines.file_kinds.cloudtrail_files`): per record its
        file, whether it is irregular, its hits.

        Rows: for documents, one per file with its record count (``n``), whether it holds
        an irregular record or more than one document, and its packed hits; for JSON Lines
        every record is a row.
        """
        lines = kind == "lines"
        desc = json.dumps(self.record_type)
        flist = file_list(files)
        regex = self.dialect.regex
        tests = [regex("json", p, "") for p in _NONSTANDARD_JSON]
        dotted = self.plan.dotted_patterns()
        if dotted is not None:
            gate, exact, escaped = dotted
            tests[:0] = [
                f"CASE WHEN {regex('json', gate, '')} THEN {regex('json', exact, '')} "
                "ELSE false END",
                regex("json", escaped, ""),
            ]
        raw_odd = " OR ".join(tests)
        if lines:
            source = (
                f"SELECT filename AS f, json_transform(json, {_q(desc)}) AS r, "
                # a carriage return splits the line for the reader (bytes.splitlines); a
                # "Records" key makes it read the line as a delivered document
                f"coalesce(({raw_odd}) OR contains(json, chr(13)) "
                f"OR contains(json, '\"Records\"'), false) AS raw_odd, "
                f"NULL::BIGINT AS i, NULL::BIGINT AS n "
                f"FROM read_json_objects({flist}, format='newline_delimited', filename=true, "
                f"ignore_errors=true, maximum_object_size={_MAX_OBJECT})"
            )
        else:
            docs = json.dumps({"Records": [self.record_type]})
            fmt = "newline_delimited" if kind == "compact" else "unstructured"
            source = (
                # a document without records (Records missing, null or empty) is one NULL
                # record, which is irregular: the file goes to the reader, and a file of two
                # documents is seen as such (each has its row 1)
                f"SELECT f, raw_odd, unnest(CASE WHEN len(d.Records) > 0 THEN d.Records "
                f"ELSE [NULL] END) AS r, "
                f"unnest(range(1, greatest(coalesce(len(d.Records), 0), 1) + 1)) AS i, "
                f"greatest(coalesce(len(d.Records), 0), 1) AS n FROM ("
                f"SELECT filename AS f, json_transform(json, {_q(docs)}) AS d, "
                f"({raw_odd}) AS raw_odd "
                # a compact document is one line: read line by line, DuckDB parses it once
                # (as a whole it parses it twice, measured 13% slower in all on one thread)
                f"FROM read_json_objects({flist}, format='{fmt}', filename=true, "
                f"maximum_object_size={_MAX_OBJECT}))"
            )
        cols = [f"r.{_col(p)} AS {_col(p)}" for p in PROMOTED]
        cols += [f"r.{_col(c)} AS {json_col(c)}" for c in self.plan.json_cols]
        cols += [f"position('[' IN r.{_col(c)}) > 0 AS {list_flag(c)}" for c in self.plan.json_cols]
        for head, extracted in self.extracted.items():
            if extracted:
                paths = "[" + ", ".join(_q(p) for p in extracted) + "]"
                cols.append(f"json_extract_string(r.{_col(head)}, {paths}) AS {extract_col(head)}")
        fused = "".join(f", {sql} AS {name}" for name, sql in self.fused())
        account = (
            "coalesce(nullif(\"recipientAccountId\", ''), "
            f"{extract_col('userIdentity')}[{self._account_index}], '')"
        )
        index = "''" if lines else "CAST(i AS VARCHAR)"
        # the grouping texts first and a fixed number of fields after them: the reader zips
        # the field names with a record's parts, and finds the rest at fixed places from the end
        packed = (
            f"concat_ws({_SEP}, "
            + "".join(f"{v}, " for v in self._value_sql)
            + f"{index}, substr(eid, 2, length(eid) - 2), substr(etime, 2, length(etime) - 2), "
            f"{account}, coalesce(\"awsRegion\", ''), ids)"
        )
        if self.routed:
            odd = "odd OR coalesce(" + " OR ".join(self.routed.values()) + ", false)"
        else:
            odd = "odd"
        if lines:
            final = f"SELECT f, 1 AS n, odd, CASE WHEN ids <> '' THEN {packed} END FROM hits"
        else:
            final = (
                # a file holding two documents (each has one row numbered 1) is irregular: the
                # reader rejects it; the CASE: DuckDB computes an aggregate's argument for
                # every row, FILTER or not
                f"SELECT f, max(n), bool_or(odd) OR count(*) FILTER (WHERE i = 1) > 1, "
                f"string_agg(CASE WHEN ids <> '' THEN {packed} END, "
                f"{_HIT_SEP} ORDER BY i) FILTER (WHERE ids <> '') FROM hits GROUP BY f"
            )
        return (
            f"WITH src AS ({source}),\n"
            f"recs AS (SELECT f, i, n, r, raw_odd, CAST(r.eventID AS VARCHAR) AS eid, "
            f"CAST(r.eventTime AS VARCHAR) AS etime FROM src),\n"
            f"typed AS (SELECT f, i, n, eid, etime, ({self.irregular()}) AS odd, "
            f"{', '.join(cols)} FROM recs),\n"
            f"scan AS MATERIALIZED (SELECT * REPLACE ({odd} AS odd){fused}"
            + "".join(f", {doc}" for doc in self._value_docs)
            + f" FROM typed),\nhits AS (SELECT *, {_COMBINE} AS ids FROM scan)\n"
            f"{final}"
        )

    # ---- running ----
    def scan(
        self, paths: Iterable[str | os.PathLike[str]], stats: SourceStats, con: Any = None
    ) -> list[FileHit]:
        """Hits over the CloudTrail files of ``paths`` (files or folders), in event then rule
        order; ``stats`` counts files, events and problems as ``read_events`` would."""
        return list(self.iter_scan(paths, stats, con))

    def iter_scan(
        self, paths: Iterable[str | os.PathLike[str]], stats: SourceStats, con: Any = None
    ) -> Iterator[FileHit]:
        """:meth:`scan`, yielding the hits chunk by chunk (one query each) to bound memory."""
        n = len(self.value_fields)
        rule_ids = self.rule_ids
        new = tuple.__new__  # a named tuple's own __new__ is a Python call: the dearer part
        for item in self.iter_packed(paths, stats, con):
            if isinstance(item, PythonFile):
                yield from self._stream_file(item.path, item.origin, stats)
                continue
            origin, packed = item
            for _, text in packed:
                for one in text.split(HIT_CHAR):
                    _, key, t, account, region, ids = one.split(SEP_CHAR)[n:]
                    for rid in rule_ids(ids)[0]:
                        yield new(FileHit, (rid, key, origin, t, account, region))

    def rule_ids(self, packed: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The rule ids of a packed record's ``ids`` field in rule order, and the places in
        :attr:`value_fields` of the texts none of those rules groups on (their texts read
        ``''``). Cached: records match few distinct combinations of rules.

        The SQL sends every grouping text of a matched record: choosing them per record
        there took one regex search of the ids per field and record, several times dearer
        than the texts it saved (measured)."""
        found = self._ids_cache.get(packed)
        if found is None:
            ids = tuple(sorted(packed.split(ID_CHAR), key=self._order.__getitem__))
            read = set().union(*(self._reads[rid] for rid in ids))
            unread = tuple(k for k in range(len(self.value_fields)) if k not in read)
            if len(self._ids_cache) >= 10_000:
                self._ids_cache.clear()
            found = self._ids_cache[packed] = (ids, unread)
        return found

    def iter_packed(
        self, paths: Iterable[str | os.PathLike[str]], stats: SourceStats, con: Any = None
    ) -> Iterator[tuple[str, list[tuple[int, str]]] | PythonFile]:
        """The scan as DuckDB returns it, in file order: a :class:`PythonFile`, or a file's
        origin and its matched records as ``(row, text)`` pairs, ``text`` holding one or more
        records packed as :mod:`~cloudwarden.detect.engines.sql_packed` describes (a record
        without its own row counts from ``row``).

        Without ``con``, a large scan runs over worker processes, one single-threaded DuckDB
        per core (see :mod:`~cloudwarden.detect.engines.sql_pool`); with it, on ``con``."""
        self.fallback_files = {}
        files = cloudtrail_files(paths, stats)
        for chunk, fetched in run_chunks(files, self.query, self.templates, con):
            yield from self._results(chunk, fetched, stats)

    def templates(self) -> dict[str, str]:
        """The query of each kind of file with :data:`FILES_MARK` for the file list."""
        return {kind: self.query([FILES_MARK], kind) for kind in ("compact", "doc", "lines")}

    def _results(
        self, chunk: list[tuple[str, str, str]], fetched: Fetched, stats: SourceStats
    ) -> Iterator[tuple[str, list[tuple[int, str]]] | PythonFile]:
        """A fetched chunk in file order, counted in ``stats`` (on the caller's thread)."""
        per_file, counts, fallback = fetched
        for path, origin, kind in chunk:
            if path in fallback:
                if kind != "other":
                    self.fallback_files[origin] = fallback[path]
                yield PythonFile(path, origin)
                continue
            stats.files += 1
            stats.events["cloudtrail"] += counts[path]
            yield origin, per_file[path]

    def _stream_file(self, path: str, origin: str, stats: SourceStats) -> Iterator[FileHit]:
        try:
            handle = open(path, "rb")  # noqa: SIM115 -- closed by the with below
        except OSError as exc:
            stats.problem(origin, f"unreadable file: {exc.strerror or exc}")
            return
        with handle as fh:
            for ev in blob_events(fh, origin, stats):
                if ev.source != "cloudtrail" or not isinstance(ev.raw, dict):
                    continue
                meta = event_meta(ev)  # the account and region an alert would carry
                t = ev.time.strftime("%Y-%m-%dT%H:%M:%SZ")
                for hit in self._fallback.process(ev.raw, ev):
                    yield FileHit(hit.rule.id, ev.key, origin, t, meta.account, meta.region)
