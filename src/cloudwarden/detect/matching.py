"""Which rules match which events: the engines behind one interface, as :class:`Hit` records.

:class:`Matcher` runs the rules on a batch of events with the streaming engine (Python
closures, one event at a time) or the batch engine (one fused DuckDB scan over the
CloudTrail events; the other kinds of event, and rules the SQL compiler cannot take, go
through the streaming engine). Either way it returns the same hits, ordered by the event's
position in the batch and then the rule's position, each carrying the values of the fields
that thresholds and dedup group on, so that :mod:`cloudwarden.detect.correlate` does not
need the events again.

The batch engine has two paths. :meth:`Matcher.file_hits` is the one for local files and
folders: DuckDB reads the CloudTrail files itself
(:class:`~cloudwarden.detect.engines.sql_files.SqlFileScan`) and returns, per matched
record, the rule ids, the alert metadata and the grouping values, selected in SQL; the
files it leaves to Python (other log kinds, irregular records, records a ``python:`` rule's
detection matches) are read and matched here with the streaming engine, in their place in
the file order. :meth:`Matcher.hits` takes events already read (S3, ``LookupEvents``, a
watcher's polls) and loads the CloudTrail ones into DuckDB.

Which events a rule sees follows its log source: a rule for ``service: cloudtrail`` runs on
CloudTrail events only (a VPC Flow Logs line has no ``eventName``, and a rule made of
``not`` conditions would otherwise match it); a rule that names no service runs on every
event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import orjson

from cloudwarden.detect.alert import EventMeta, event_meta
from cloudwarden.detect.engines.sql import SqlEngine, UnsupportedForSql
from cloudwarden.detect.engines.sql_files import PROMOTED, PythonFile, SqlFileScan
from cloudwarden.detect.engines.sql_packed import HIT_CHAR, SEP_CHAR
from cloudwarden.detect.engines.stream import StreamEngine, field_text, text_extractor
from cloudwarden.detect.rules.ir import (
    And,
    Expr,
    Keyword,
    Match,
    Not,
    Or,
    Rule,
    correlation_fields,
)
from cloudwarden.detect.sources import Event, SourceError, SourceKind, SourceStats
from cloudwarden.detect.sources.blobs import blob_events
from cloudwarden.detect.sources.cloudtrail import parse_time
from cloudwarden.detect.sources.model import SERVICE_KINDS as _SERVICE_KINDS

__all__ = [
    "ENGINES",
    "EngineName",
    "Hit",
    "Matcher",
    "correlation_fields",
    "field_text",
    "rule_fields",
    "rule_kinds",
]

EngineName = Literal["stream", "batch"]
ENGINES: tuple[EngineName, ...] = ("stream", "batch")
KINDS: tuple[SourceKind, ...] = ("cloudtrail", "vpcflow", "s3access")


def rule_kinds(rule: Rule) -> frozenset[SourceKind] | None:
    """The event kinds a rule applies to; ``None``: every kind (its log source names no service)."""
    if rule.service is None:
        return None
    kind = _SERVICE_KINDS.get(rule.service.lower())
    return frozenset({kind}) if kind is not None else frozenset()


def rule_fields(rule: Rule) -> tuple[str, ...]:
    """The event fields a rule's detection reads (``*`` when it has keywords: every string)."""
    found: dict[str, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Match):
            found[e.field] = None
            if e.op.startswith("fieldref"):
                for v in e.values:
                    found[str(v)] = None
        elif isinstance(e, Keyword):
            found["*"] = None
        elif isinstance(e, Not):
            walk(e.arg)
        elif isinstance(e, (And, Or)):
            for a in e.args:
                walk(a)

    walk(rule.detection)
    return tuple(found)


def _record(event: Event) -> Mapping[str, Any]:
    """What the engines match: the CloudTrail record, or a text log's parsed fields."""
    return event.raw if isinstance(event.raw, dict) else event.fields


def _values(record: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    return {n: field_text(record, n) for n in names}


class Hit(NamedTuple):
    """Rule ``rule`` (an index into the matcher's rules) matched the event at ``position``.

    ``values`` holds at least the texts of the fields the rule's threshold and dedup read
    (records matched by several rules share one mapping). A named tuple: broad threshold
    rules make millions of hits, and a tuple is built several times faster than a frozen
    dataclass. Positions only order events: the batch file path numbers them by file and
    record, not consecutively.
    """

    rule: int
    position: int
    key: str
    meta: EventMeta
    values: Mapping[str, str]


_Plan = tuple[tuple[int, ...], Callable[[Mapping[str, Any]], dict[str, str]]]

#: positions of the file path: file number * _FILE_SPAN + record index in the file
_FILE_SPAN = 1 << 32


class Matcher:
    """The rules compiled once for an engine; :meth:`hits` runs them on a batch of events."""

    def __init__(self, rules: Sequence[Rule], engine: EngineName = "stream") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
        self.rules = tuple(rules)
        self.engine = engine
        self._index = {r.id: i for i, r in enumerate(self.rules)}
        self._needs = tuple(correlation_fields(r) for r in self.rules)
        self._engine_index: dict[int, tuple[int, ...]] = {}
        self._plans: dict[tuple[int, tuple[int, ...]], _Plan] = {}
        by_kind = {
            kind: tuple(r for r in self.rules if (k := rule_kinds(r)) is None or kind in k)
            for kind in KINDS
        }
        #: rule id -> why it did not run on the engine asked for
        self.unsupported: dict[str, str] = {}
        self._sql: SqlEngine | None = None
        self._files: SqlFileScan | None = None
        if engine == "batch":
            sql = SqlEngine(by_kind["cloudtrail"])
            self.unsupported = self._events_unsupported = {
                rid: f"{why} (evaluated by the streaming engine instead)"
                for rid, why in sql.unsupported.items()
            }
            by_kind["cloudtrail"] = tuple(
                r for r in by_kind["cloudtrail"] if r.id in sql.unsupported
            )
            self._sql = sql if sql.predicates else None
            self._sql_fields = tuple(
                dict.fromkeys(f for r in sql.rules if r.id in sql.predicates for f in self._need(r))
            )
            self._files = self._file_scan(sql.rules)
        self._streams = {kind: StreamEngine(rs) for kind, rs in by_kind.items()}
        if self._files is not None:
            self._file_streams = {**self._streams, "cloudtrail": self._files_stream}

    def _file_scan(self, rules: Sequence[Rule]) -> SqlFileScan | None:
        """The file scan of the CloudTrail rules, or ``None`` when a rule (or a grouping field)
        is beyond it: then files go through the events path like any other source."""
        try:
            fields = dict.fromkeys(f for r in rules if not r.python for f in self._need(r))
            scan = SqlFileScan(rules, values=tuple(fields))
        except UnsupportedForSql:
            return None
        if scan.unsupported:
            return None
        self._files_stream = StreamEngine(rules)
        self._files_unsupported = {
            rid: "python function (the files holding records its detection matches are "
            "evaluated by the streaming engine)"
            for rid in scan.routed
        }
        return scan

    @property
    def reads_files(self) -> bool:
        """Whether :meth:`file_hits` is available (the batch engine, every CloudTrail rule
        within the file scan's reach)."""
        return self._files is not None

    def file_hits(
        self,
        paths: Sequence[str],
        stats: SourceStats,
        progress: Callable[[int], None] | None = None,
        con: Any = None,
    ) -> list[Hit]:
        """Every (rule, event) match over local files and folders, in event then rule order;
        ``stats`` counts as :func:`~cloudwarden.detect.sources.read_events` does."""
        scan = self._files
        if scan is None:
            raise RuntimeError("file_hits needs the batch engine (see reads_files)")
        for p in paths:
            if not Path(p).exists():
                raise SourceError(f"{p}: no such file or folder")
        self.unsupported = self._files_unsupported
        hits: list[Hit] = []
        add = hits.extend
        fields = scan.value_fields
        n = len(fields)
        # per distinct packed ids (few): the record's rules as this matcher's indices, and
        # the texts none of them groups on, blank
        plans: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {}
        index = self._index
        # hits and metadata are built with tuple.__new__: a named tuple's own __new__ is a
        # Python-level call, the larger part of building one
        new = tuple.__new__
        file_no = 0
        for item in scan.iter_packed(paths, stats, con):
            file_no += 1
            base = file_no * _FILE_SPAN
            if progress is not None:
                progress(stats.total_events)
            if isinstance(item, PythonFile):
                add(self._python_file(item, base, stats))
                continue
            for row, text in item[1]:
                for one in text.split(HIT_CHAR):
                    parts = one.split(SEP_CHAR)
                    i, key, t, account, region, ids = parts[n:]
                    plan = plans.get(ids)
                    if plan is None:
                        rids, unread = scan.rule_ids(ids)
                        plan = (tuple(index[r] for r in rids), {fields[k]: "" for k in unread})
                        plans[ids] = plan
                    rules, blank = plan
                    meta = new(EventMeta, ("cloudtrail", parse_time(t), account, region))
                    # not strict: zip stops at the last grouping text, the record's own
                    # fields follow it
                    values = dict(zip(fields, parts, strict=False)) if n else {}
                    if blank:
                        values.update(blank)
                    if "\x02" in one:
                        values = _exact_values(values)
                    pos = base + int(i or row)
                    add([new(Hit, (r, pos, key, meta, values)) for r in rules])
        if progress is not None:
            progress(stats.total_events)
        return hits

    def _python_file(self, item: PythonFile, base: int, stats: SourceStats) -> Iterator[Hit]:
        """A file the scan left to Python, read as ``read_events`` reads it."""
        try:
            handle = open(item.path, "rb")  # noqa: SIM115 -- closed by the with below
        except OSError as exc:
            stats.problem(item.origin, f"unreadable file: {exc.strerror or exc}")
            return
        with handle as fh:
            events = enumerate(blob_events(fh, item.origin, stats), base)
            yield from self._stream_hits(events, self._file_streams)

    def _need(self, rule: Rule) -> tuple[str, ...]:
        return self._needs[self._index[rule.id]]

    def hits(self, events: Iterable[Event]) -> list[Hit]:
        """Every (rule, event) match in the batch, by event position then rule position."""
        if self.engine == "batch":
            self.unsupported = self._events_unsupported
        if self._sql is None:  # events in order, and each event's hits in rule order
            return self._stream_hits(enumerate(events))
        hits = self._batch_hits(self._sql, events)
        hits.sort(key=lambda h: (h.position, h.rule))
        return hits

    def _stream_hits(
        self,
        events: Iterable[tuple[int, Event]],
        streams: Mapping[SourceKind, StreamEngine] | None = None,
    ) -> list[Hit]:
        engines = streams or self._streams
        plans = self._plans
        hits: list[Hit] = []
        append = hits.append
        # tuple.__new__ rather than Hit(...): a named tuple's own __new__ is a Python-level
        # call, about half the cost of a hit
        new = tuple.__new__
        for pos, ev in events:
            engine = engines[ev.source]
            raw = ev.raw
            record = raw if isinstance(raw, dict) else ev.fields  # as _record does
            found = engine.matches(record)
            if not found:
                continue
            plan = plans.get((id(engine), found))
            if plan is None:
                plan = self._plan(engine, found)
            ids, extract = plan
            meta = event_meta(ev)
            # the event's hits share one mapping of the grouping texts their rules read
            values = extract(record)
            key = ev.key
            for i in ids:
                append(new(Hit, (i, pos, key, meta, values)))
        return hits

    def _plan(self, engine: StreamEngine, found: tuple[int, ...]) -> _Plan:
        """For one combination of ``engine``'s rules matching an event: the matcher's rule
        indices, and the extractor of the texts those rules group on."""
        globals_ = self._global_index(engine)
        ids = tuple(globals_[j] for j in found)
        names = dict.fromkeys(name for i in ids for name in self._needs[i])
        if len(self._plans) >= 10_000:  # combinations of rules: few in practice, but bounded
            self._plans.clear()
        plan = self._plans[(id(engine), found)] = (ids, text_extractor(tuple(names)))
        return plan

    def _global_index(self, engine: StreamEngine) -> tuple[int, ...]:
        """The matcher's index of each of ``engine``'s rules."""
        key = id(engine)
        mapped = self._engine_index.get(key)
        if mapped is None:
            mapped = self._engine_index[key] = tuple(self._index[r.id] for r in engine.rules)
        return mapped

    def _batch_hits(self, sql: SqlEngine, events: Iterable[Event]) -> list[Hit]:
        # position, metadata and grouping values per event, gathered as the events stream into
        # DuckDB (an eventID seen twice, e.g. the same file read twice, gives one SQL row per copy)
        positions: dict[str, list[int]] = {}
        metas: dict[int, EventMeta] = {}
        values: dict[int, dict[str, str]] = {}
        hits: list[Hit] = []
        fields = self._sql_fields

        def cloudtrail_only() -> Iterator[Event]:
            for pos, ev in enumerate(events):
                # other kinds, and the CloudTrail rules SQL cannot take: the streaming engine
                hits.extend(self._stream_hits(((pos, ev),)))
                if ev.source != "cloudtrail":
                    continue
                positions.setdefault(ev.key, []).append(pos)
                metas[pos] = event_meta(ev)
                if fields:
                    values[pos] = _values(_record(ev), fields)
                yield ev

        used: dict[tuple[str, str], int] = {}
        for rule_id, key in sql.run(cloudtrail_only()):
            nth = used.get((rule_id, key), 0)
            used[(rule_id, key)] = nth + 1
            pos = positions[key][nth]
            i = self._index[rule_id]
            have = values.get(pos, {})
            hits.append(Hit(i, pos, key, metas[pos], {n: have[n] for n in self._needs[i]}))
        return hits


def _exact_values(values: dict[str, str]) -> dict[str, str]:
    """Texts the scan sent as the JSON of the field's top-level part (``chr(2)`` first),
    computed as :func:`field_text` computes them on the record (in place: the mapping is the
    record's own). A promoted field's text is never sent so: one starting with ``chr(2)``
    is the field's own text. Each part's JSON is parsed once: the texts read from one part
    all carry it (seven a record on the benchmark corpus)."""
    parsed: dict[str, Any] = {}
    for name, v in values.items():
        if v[:1] == "\x02":
            head = name.split(".", 1)[0]
            if head not in PROMOTED:
                if v not in parsed:
                    parsed[v] = orjson.loads(v[1:])
                values[name] = field_text({head: parsed[v]}, name)
    return values
