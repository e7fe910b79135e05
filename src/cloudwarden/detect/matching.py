"""Which rules match which events: the engines behind one interface, as :class:`Hit` records.

:class:`Matcher` runs the rules on a batch of events with the streaming engine (Python
closures, one event at a time) or the batch engine (one fused DuckDB scan over the
CloudTrail events; the other kinds of event, and rules the SQL compiler cannot take, go
through the streaming engine). Either way it returns the same hits, ordered by the event's
position in the batch and then the rule's position, each carrying the values of the fields
that thresholds and dedup group on, so that :mod:`cloudwarden.detect.correlate` does not
need the events again. The batch path collects those values as events stream into DuckDB,
and only for the fields some rule needs.

Which events a rule sees follows its log source: a rule for ``service: cloudtrail`` runs on
CloudTrail events only (a VPC Flow Logs line has no ``eventName``, and a rule made of
``not`` conditions would otherwise match it); a rule that names no service runs on every
event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from cloudwarden.detect.alert import EventMeta, event_meta
from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules.evaluate import Getter, _getter, _text
from cloudwarden.detect.rules.ir import And, Expr, Keyword, Match, Not, Or, Rule
from cloudwarden.detect.sources import Event, SourceKind

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

#: Sigma ``logsource.service`` (or a native ``logsource``) -> the event kind it describes
_SERVICE_KINDS: dict[str, SourceKind] = {
    "cloudtrail": "cloudtrail",
    "vpcflow": "vpcflow",
    "vpc_flow": "vpcflow",
    "vpcflowlogs": "vpcflow",
    "s3access": "s3access",
    "s3_access": "s3access",
    "s3": "s3access",
}


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


def correlation_fields(rule: Rule) -> tuple[str, ...]:
    """The fields whose values thresholds and dedup group or count on."""
    names: list[str] = []
    if rule.threshold is not None:
        names.extend(rule.threshold.by)
        if rule.threshold.distinct:
            names.append(rule.threshold.distinct)
    if rule.dedup is not None:
        names.extend(rule.dedup.by)
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=1024)
def _cached_getter(name: str) -> Getter:
    return _getter(name)


def field_text(record: Mapping[str, Any], name: str) -> str:
    """A field's value as grouping text: the evaluator's text of each value reached, comma-joined;
    ``""`` when the field is missing or null."""
    if "." not in name:
        v = record.get(name)
        if type(v) is str:  # the common case, without the evaluator's walk
            return v
    texts = []
    for v in _cached_getter(name)(record):
        if v is None:
            continue
        t = _text(v)
        texts.append(t if t is not None else str(v))
    return ",".join(texts)


def _record(event: Event) -> Mapping[str, Any]:
    """What the engines match: the CloudTrail record, or a text log's parsed fields."""
    return event.raw if isinstance(event.raw, dict) else event.fields


def _values(record: Mapping[str, Any], names: Sequence[str]) -> dict[str, str]:
    return {n: field_text(record, n) for n in names}


@dataclass(frozen=True, slots=True)
class Hit:
    """Rule ``rule`` (an index into the matcher's rules) matched the event at ``position``."""

    rule: int
    position: int
    key: str
    meta: EventMeta
    values: Mapping[str, str]


class Matcher:
    """The rules compiled once for an engine; :meth:`hits` runs them on a batch of events."""

    def __init__(self, rules: Sequence[Rule], engine: EngineName = "stream") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
        self.rules = tuple(rules)
        self.engine = engine
        self._index = {r.id: i for i, r in enumerate(self.rules)}
        self._needs = tuple(correlation_fields(r) for r in self.rules)
        by_kind = {
            kind: tuple(r for r in self.rules if (k := rule_kinds(r)) is None or kind in k)
            for kind in KINDS
        }
        #: rule id -> why it did not run on the engine asked for
        self.unsupported: dict[str, str] = {}
        self._sql: SqlEngine | None = None
        if engine == "batch":
            sql = SqlEngine(by_kind["cloudtrail"])
            self.unsupported = {
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
        self._streams = {kind: StreamEngine(rs) for kind, rs in by_kind.items()}

    def _need(self, rule: Rule) -> tuple[str, ...]:
        return self._needs[self._index[rule.id]]

    def hits(self, events: Iterable[Event]) -> list[Hit]:
        """Every (rule, event) match in the batch, by event position then rule position."""
        if self._sql is None:
            hits = list(self._stream_hits(enumerate(events)))
        else:
            hits = self._batch_hits(self._sql, events)
        hits.sort(key=lambda h: (h.position, h.rule))
        return hits

    def _stream_hits(self, events: Iterable[tuple[int, Event]]) -> Iterator[Hit]:
        for pos, ev in events:
            meta: EventMeta | None = None
            for hit in self._streams[ev.source].run((ev,)):
                meta = meta or event_meta(ev)
                values = _values(_record(ev), self._need(hit.rule))
                yield Hit(self._index[hit.rule.id], pos, ev.key, meta, values)

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
