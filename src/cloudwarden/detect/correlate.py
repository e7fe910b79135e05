"""Thresholds, dedup and suppression over rule hits: the :class:`Detector`.

The engines say which rules match which events (:mod:`cloudwarden.detect.matching`); this
module turns those hits into alerts exactly as docs/detection-rules.md says, in Python and
after matching, so the streaming and batch engines raise the same alerts:

* **Thresholds.** A threshold rule's hits are taken in event-time order (ties by event key)
  and grouped by the ``by`` values (a missing field is ``""``). For each hit the group's
  window keeps the hits of the last ``within`` seconds (``time > t - within``); when the
  count, or the number of distinct non-empty values of the ``distinct`` field, meets the
  comparison, one alert carries every event of the window and the window is emptied.
* **Dedup.** Candidate alerts are taken in the time order of the event that raised them; an
  alert whose rule and dedup key (the dedup ``by`` values of its first event) equal those of
  an alert raised less than ``suppress`` seconds earlier is not raised, and the earlier
  alert's ``suppressed`` count goes up by one.

A :class:`Detector` keeps the open windows and the suppression memory between calls of
:meth:`Detector.process`, and :meth:`Detector.state` exports them as JSON-ready data, so a
watcher polling every minute raises the same alerts as one run over all the events (as long
as each poll's events are newer than the previous poll's; a poll is sorted in itself). A
suppressed count is final in the returned alert only for suppressions within the same
call; later ones are counted in the state. Windows and suppression entries that no later
event can reach (older than the newest event time seen minus their duration) are dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cloudwarden.detect.alert import Alert, EventMeta, alert_id, severity_of
from cloudwarden.detect.matching import EngineName, Hit, Matcher, correlation_fields
from cloudwarden.detect.rules.ir import CONTEXT_FIELDS, Rule, Threshold, carries_context
from cloudwarden.detect.rules.sigma import SIGMAHQ_URL
from cloudwarden.detect.sources import Event, SourceStats
from cloudwarden.gcpause import collections_paused
from cloudwarden.model import Severity

__all__ = ["STATE_VERSION", "Detector"]

STATE_VERSION = 1

Group = tuple[str, ...]


class _Window:
    """The open hits of one threshold group, oldest first, and (for a ``distinct`` threshold)
    how many of them hold each distinct non-empty value."""

    __slots__ = ("distinct", "hits")

    def __init__(self, distinct: bool) -> None:
        self.hits: deque[Hit] = deque()
        self.distinct: dict[str, int] | None = {} if distinct else None


@dataclass
class _Raised:
    """The last raised alert of one rule and dedup key."""

    time: datetime
    alert_id: str
    suppressed: int = 0


class _Candidate:
    """An alert about to be raised: its rule, the position of the event that raised it,
    the hits it names and its threshold group."""

    __slots__ = ("alert_id", "dedup_key", "group", "hits", "position", "rule", "suppressed")

    def __init__(self, rule: int, position: int, hits: list[Hit], group: dict[str, str]) -> None:
        self.rule = rule
        self.position = position
        self.hits = hits
        self.group = group
        self.suppressed = 0
        #: set by dedup (for rules with one); "" until then
        self.dedup_key = ""
        self.alert_id = ""

    @property
    def time(self) -> datetime:
        return self.hits[-1].meta.time


#: an alert's fields from the rule alone (see Detector._rule_static)
_Static = tuple[
    tuple[str, str, Severity, tuple[str, ...], tuple[str, ...]],
    tuple[str, str, str, str, str],
    tuple[str, str, str],
]


def _time_key(h: Hit) -> tuple[datetime, str, int]:
    return (h.meta.time, h.key, h.position)


class Detector:
    """Rules over batches of events, with thresholds and dedup kept across batches.

    ``engine`` is ``"stream"`` or ``"batch"``; ``state`` is what :meth:`state` returned
    (possibly from another process, through JSON).
    """

    def __init__(
        self,
        rules: Iterable[Rule],
        engine: EngineName = "stream",
        state: dict[str, Any] | None = None,
    ) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._matcher = Matcher(self.rules, engine)
        self._index = {r.id: i for i, r in enumerate(self.rules)}
        self._fields = tuple(correlation_fields(r) for r in self.rules)
        self._threshold_rules = tuple(i for i, r in enumerate(self.rules) if r.threshold)
        self._static: dict[int, _Static] = {}
        self._windows: dict[int, dict[Group, _Window]] = {}
        self._raised: dict[int, dict[str, _Raised]] = {}
        self._clock: datetime | None = None
        if state:
            self._restore(state)

    @property
    def unsupported(self) -> dict[str, str]:
        """Rule id -> why it ran on the streaming engine although the batch engine was asked."""
        return self._matcher.unsupported

    @property
    def reads_files(self) -> bool:
        """Whether :meth:`process_files` is available: the batch engine, with every
        CloudTrail rule within DuckDB's file scan (else read the files into :meth:`process`)."""
        return self._matcher.reads_files

    def process(self, events: Iterable[Event]) -> list[Alert]:
        """The alerts the events raise, in the order of the event that raised each, then rule."""
        with collections_paused():
            return self._correlate(self._matcher.hits(events))

    def process_files(
        self,
        paths: Sequence[str],
        stats: SourceStats,
        progress: Callable[[int], None] | None = None,
        con: Any = None,
    ) -> list[Alert]:
        """:meth:`process` over the events of local files and folders, which DuckDB reads
        itself (see :meth:`cloudwarden.detect.matching.Matcher.file_hits`); the same alerts.
        ``con``: a DuckDB connection to run on (e.g. with ``SET threads``), else a new one."""
        with collections_paused():
            return self._correlate(self._matcher.file_hits(paths, stats, progress, con))

    def _correlate(self, hits: list[Hit]) -> list[Alert]:
        candidates: list[_Candidate] = []
        by_rule: dict[int, list[Hit]] = {i: [] for i in self._threshold_rules}
        get, single = by_rule.get, candidates.append
        for h in hits:
            rule_hits = get(h[0])
            if rule_hits is None:
                single(_Candidate(h[0], h[1], [h], {}))
            else:
                rule_hits.append(h)
        if hits:
            newest = max(h.meta.time for h in hits)
            if self._clock is None or newest > self._clock:
                self._clock = newest
        for i, rule_hits in by_rule.items():
            if not rule_hits:
                continue
            candidates.extend(self._thresholds(i, rule_hits))
        raised = self._dedup(candidates)
        raised.sort(key=lambda c: (c.position, c.rule))
        self._prune()
        return [self._alert(c) for c in raised]

    # ---- thresholds --------------------------------------------------------------------

    def _thresholds(self, i: int, hits: list[Hit]) -> Iterable[_Candidate]:
        threshold = self.rules[i].threshold
        assert threshold is not None
        within = timedelta(seconds=threshold.within)
        windows = self._windows.setdefault(i, {})
        by, distinct = threshold.by, threshold.distinct
        # ``n > count`` or ``n >= count`` (Threshold.met), for whole numbers: ``n >= need``
        need = threshold.count + 1 if threshold.op == ">" else threshold.count
        one = by[0] if len(by) == 1 else None
        live = self._live_hits(windows, hits, threshold, need)
        live.sort(key=_time_key)
        for h in live:
            values, time = h.values, h.meta.time
            if one is not None:
                group: Group = (values.get(one, ""),)
            else:
                group = tuple([values.get(f, "") for f in by])
            window = windows.get(group)
            if window is None:
                window = windows[group] = _Window(distinct is not None)
            elif window.hits and window.hits[0].meta.time <= time - within:
                _expire(window, time - within, distinct)
            window.hits.append(h)
            counts = window.distinct
            if counts is not None:
                value = values.get(distinct or "", "")
                if value:
                    counts[value] = counts.get(value, 0) + 1
                n = len(counts)
            else:
                n = len(window.hits)
            if n >= need:
                named = dict(zip(by, group, strict=True))
                yield _Candidate(i, h.position, list(window.hits), named)
                windows[group] = _Window(distinct is not None)

    def _live_hits(
        self, windows: dict[Group, _Window], hits: list[Hit], threshold: Threshold, need: int
    ) -> list[Hit]:
        """The hits of the groups that could meet the threshold in this batch; the others
        go straight to their window's final state.

        A group whose hits in this batch and in its open window number fewer than ``need``
        (for ``distinct``: hold fewer distinct values) cannot meet the threshold in any
        window of this batch. Walking its hits one by one would raise nothing and leave
        its window holding its hits newer than the clock minus ``within`` -- which is what
        is kept for it here, directly. Broad threshold rules (activity in many regions, a
        burst of List/Describe calls) put most hits in such groups.
        """
        by, distinct = threshold.by, threshold.distinct
        one = by[0] if len(by) == 1 else None
        groups: dict[Group, list[Hit]] = {}
        for h in hits:
            values = h.values
            group: Group = (
                (values.get(one, ""),) if one is not None else tuple([values.get(f, "") for f in by])
            )
            bucket = groups.get(group)
            if bucket is None:
                groups[group] = [h]
            else:
                bucket.append(h)
        assert self._clock is not None
        horizon = self._clock - timedelta(seconds=threshold.within)
        live: list[Hit] = []
        for group, bucket in groups.items():
            window = windows.get(group)
            if _reachable(bucket, window, distinct, need):
                live.extend(bucket)
                continue
            recent = [h for h in bucket if h.meta.time > horizon]
            if not recent:
                continue
            recent.sort(key=_time_key)
            if window is None:
                window = windows[group] = _Window(distinct is not None)
            window.hits.extend(recent)
            counts = window.distinct
            if counts is not None:
                for h in recent:
                    if value := h.values.get(distinct or "", ""):
                        counts[value] = counts.get(value, 0) + 1
        return live

    # ---- dedup -------------------------------------------------------------------------

    def _dedup(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """The candidates still raised after suppression: those of rules without dedup, and
        the others in the time order of the event that raised them, as the docstring says."""
        out: list[_Candidate] = []
        keyed: list[_Candidate] = []
        for c in candidates:
            (keyed if self.rules[c.rule].dedup is not None else out).append(c)
        keyed.sort(key=lambda c: (c.time, c.hits[0].key, c.rule, c.position))
        latest: dict[tuple[int, str], _Candidate] = {}
        for c in keyed:
            rule = self.rules[c.rule]
            dedup = rule.dedup
            assert dedup is not None
            key = c.dedup_key = _dedup_key(dedup.by, c.hits[0])
            memory = self._raised.setdefault(c.rule, {})
            prev = memory.get(key)
            if prev is not None and c.time - prev.time < timedelta(seconds=dedup.suppress):
                prev.suppressed += 1
                if (earlier := latest.get((c.rule, key))) is not None:
                    earlier.suppressed += 1
                continue
            c.alert_id = alert_id(rule.id, _keys(c))
            memory[key] = _Raised(c.time, c.alert_id)
            latest[(c.rule, key)] = c
            out.append(c)
        return out

    def _prune(self) -> None:
        if self._clock is None:
            return
        for i, windows in self._windows.items():
            threshold = self.rules[i].threshold
            assert threshold is not None
            horizon = self._clock - timedelta(seconds=threshold.within)
            for group in list(windows):
                _expire(windows[group], horizon, threshold.distinct)
                if not windows[group].hits:
                    del windows[group]
        for i, memory in self._raised.items():
            dedup = self.rules[i].dedup
            assert dedup is not None
            horizon = self._clock - timedelta(seconds=dedup.suppress)
            for key in [k for k, r in memory.items() if r.time <= horizon]:
                del memory[key]

    # ---- alerts ------------------------------------------------------------------------

    def _rule_static(self, i: int) -> _Static:
        """The alert fields that come from the rule alone, built once per rule: the first
        five and the last five of :class:`Alert`'s ``rule_origin`` .. ``rule_set_url``, and
        ``runbook``, ``playbook``, ``description``."""
        static = self._static.get(i)
        if static is None:
            rule = self.rules[i]
            static = self._static[i] = (
                (rule.id, rule.title, severity_of(rule.level), rule.attack_ids, rule.tags),
                (
                    rule.source,
                    rule.author,
                    rule.attribution,
                    rule.license,
                    SIGMAHQ_URL if rule.source == "sigma" else "",
                ),
                (rule.runbook, rule.playbook, rule.description),
            )
        return static

    def _alert(self, c: _Candidate) -> Alert:
        rule = self.rules[c.rule]
        head, origin, texts = self._rule_static(c.rule)
        first = c.hits[0].meta
        keys = _keys(c)
        # positional, in Alert's field order: keyword arguments cost a third more per alert
        return Alert(
            *head,
            keys[0],
            first.kind,
            first.time,
            first.account,
            first.region,
            *origin,
            c.alert_id or alert_id(rule.id, keys),
            keys,
            first.time,
            c.time,
            len(c.hits),
            c.group,
            c.dedup_key,
            c.suppressed,
            *texts,
            _context(rule, c.hits[0]),
        )

    # ---- state -------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Open threshold windows and suppression memory, as JSON-ready data."""
        windows = {
            self.rules[i].id: [
                {"group": list(group), "hits": [_hit_dict(h, self._fields[i]) for h in w.hits]}
                for group, w in sorted(groups.items())
            ]
            for i, groups in sorted(self._windows.items())
            if groups
        }
        raised = {
            self.rules[i].id: {
                key: {
                    "time": r.time.isoformat(),
                    "alert_id": r.alert_id,
                    "suppressed": r.suppressed,
                }
                for key, r in sorted(memory.items())
            }
            for i, memory in sorted(self._raised.items())
            if memory
        }
        clock = self._clock.isoformat() if self._clock is not None else None
        return {"version": STATE_VERSION, "clock": clock, "windows": windows, "suppress": raised}

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"detector state version {state.get('version')!r} is not supported")
        if state.get("clock"):
            self._clock = datetime.fromisoformat(state["clock"])
        for rule_id, groups in (state.get("windows") or {}).items():
            i = self._index.get(rule_id)
            threshold = self.rules[i].threshold if i is not None else None
            if i is None or threshold is None:
                continue  # the rule is gone or lost its threshold: its windows mean nothing
            for g in groups:
                window = _Window(threshold.distinct is not None)
                for h in g["hits"]:
                    hit = _hit_from(i, h)
                    window.hits.append(hit)
                    value = hit.values.get(threshold.distinct or "", "")
                    if window.distinct is not None and value:
                        window.distinct[value] = window.distinct.get(value, 0) + 1
                self._windows.setdefault(i, {})[tuple(g["group"])] = window
        for rule_id, memory in (state.get("suppress") or {}).items():
            i = self._index.get(rule_id)
            if i is None or self.rules[i].dedup is None:
                continue
            self._raised[i] = {
                key: _Raised(datetime.fromisoformat(r["time"]), r["alert_id"], r["suppressed"])
                for key, r in memory.items()
            }


def _reachable(bucket: list[Hit], window: _Window | None, distinct: str | None, need: int) -> bool:
    """Whether ``need`` hits (or distinct values) can be in one window of this group."""
    carried = window.hits if window is not None else ()
    if len(bucket) + len(carried) < need:
        return False
    if distinct is None:
        return True
    values = {v for h in bucket if (v := h.values.get(distinct, ""))}
    if window is not None and window.distinct:
        values.update(window.distinct)
    return len(values) >= need


def _expire(window: _Window, horizon: datetime, distinct: str | None) -> None:
    """Drop the hits at or before ``horizon`` (the window keeps ``time > t - within``)."""
    hits, counts = window.hits, window.distinct
    while hits and hits[0].meta.time <= horizon:
        old = hits.popleft()
        if counts is not None:
            value = old.values.get(distinct or "", "")
            if value:
                left = counts[value] - 1
                if left:
                    counts[value] = left
                else:
                    del counts[value]


def _keys(c: _Candidate) -> tuple[str, ...]:
    return tuple(h.key for h in c.hits)


def _context(rule: Rule, hit: Hit) -> dict[str, str]:
    if not carries_context(rule):
        return {}
    values = hit.values
    return {f: v for f in CONTEXT_FIELDS if (v := values.get(f, ""))}


def _dedup_key(by: Sequence[str], hit: Hit) -> str:
    return "; ".join(f"{f}={hit.values.get(f, '')}" for f in by)


def _hit_dict(h: Hit, fields: Sequence[str]) -> dict[str, Any]:
    m = h.meta
    return {
        "key": h.key,
        "time": m.time.isoformat(),
        "kind": m.kind,
        "account": m.account,
        "region": m.region,
        "values": {f: h.values.get(f, "") for f in fields},
    }


def _hit_from(rule: int, d: dict[str, Any]) -> Hit:
    meta = EventMeta(d["kind"], datetime.fromisoformat(d["time"]), d["account"], d["region"])
    return Hit(rule, -1, d["key"], meta, dict(d["values"]))
