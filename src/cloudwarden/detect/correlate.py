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

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from cloudwarden.detect.alert import Alert, EventMeta, severity_of
from cloudwarden.detect.matching import EngineName, Hit, Matcher, correlation_fields
from cloudwarden.detect.rules.ir import CONTEXT_FIELDS, Rule, carries_context
from cloudwarden.detect.rules.sigma import SIGMAHQ_URL
from cloudwarden.detect.sources import Event, SourceStats
from cloudwarden.detect.windows import Candidate, Group, Window, prune, walk
from cloudwarden.gcpause import collections_paused
from cloudwarden.model import Severity

__all__ = ["STATE_VERSION", "Detector"]

STATE_VERSION = 1


@dataclass
class _Raised:
    """The last raised alert of one rule and dedup key."""

    time: datetime
    alert_id: str
    suppressed: int = 0


#: an alert's fields from the rule alone (see Detector._rule_static), whether its alerts
#: carry context, and a BLAKE2b state that has hashed the rule id and its newline (see
#: Detector._alert_id)
_Static = tuple[
    tuple[str, str, Severity, tuple[str, ...], tuple[str, ...]],
    tuple[str, str, str, str, str],
    tuple[str, str, str],
    bool,
    Any,
]

#: the order alerts are returned in; both hits and candidates have these two attributes
_position_rule = attrgetter("position", "rule")
_event_time = attrgetter("meta.time")


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
        #: the rules whose hits go through thresholds or dedup; every hit of the others
        #: is an alert of its own
        self._correlated = tuple(
            i for i, r in enumerate(self.rules) if r.threshold is not None or r.dedup is not None
        )
        self._static: list[_Static | None] = [None] * len(self.rules)
        self._windows: dict[int, dict[Group, Window]] = {}
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
        # Route each hit to its rule's list with one call: a hit of a rule without threshold
        # or dedup (most alerts are such hits) is an alert as it stands and skips the
        # candidate stage.
        plain: list[Hit] = []
        routed: dict[int, list[Hit]] = {}
        route = [plain.append] * len(self.rules)
        for i in self._correlated:
            rule_hits = routed[i] = []
            route[i] = rule_hits.append
        for h in hits:
            route[h[0]](h)
        if hits:
            newest = max(map(_event_time, hits))
            if self._clock is None or newest > self._clock:
                self._clock = newest
        candidates: list[Candidate] = []
        for i, rule_hits in routed.items():
            if not rule_hits:
                continue
            threshold = self.rules[i].threshold
            if threshold is None:
                candidates.extend([Candidate(i, h.position, [h], {}) for h in rule_hits])
            else:
                assert self._clock is not None
                windows = self._windows.setdefault(i, {})
                candidates.extend(walk(i, threshold, windows, rule_hits, self._clock))
        raised = self._dedup(candidates)
        self._prune()
        return self._alerts(plain, raised)

    def _alerts(self, plain: list[Hit], raised: list[Candidate]) -> list[Alert]:
        """The alerts of the plain hits and of the raised candidates, by event position and
        then rule: the plain hits come that way from the matcher (sorting them again costs
        little when they do), the candidates are few and go in by bisection."""
        plain.sort(key=_position_rule)
        raised.sort(key=_position_rule)
        alerts: list[Alert] = []
        done = 0
        for c in raised:
            at = bisect_left(plain, (c.position, c.rule), lo=done, key=_position_rule)
            if at > done:
                alerts.extend(self._plain_alerts(plain[done:at]))
                done = at
            alerts.append(self._alert(c))
        alerts.extend(self._plain_alerts(plain[done:] if done else plain))
        return alerts

    # ---- dedup -------------------------------------------------------------------------

    def _dedup(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates still raised after suppression: those of rules without dedup, and
        the others in the time order of the event that raised them, as the docstring says."""
        out: list[Candidate] = []
        keyed: list[Candidate] = []
        for c in candidates:
            (keyed if self.rules[c.rule].dedup is not None else out).append(c)
        keyed.sort(key=lambda c: (c.time, c.hits[0].key, c.rule, c.position))
        latest: dict[tuple[int, str], Candidate] = {}
        for c in keyed:
            dedup = self.rules[c.rule].dedup
            assert dedup is not None
            key = c.dedup_key = _dedup_key(dedup.by, c.hits[0])
            memory = self._raised.setdefault(c.rule, {})
            prev = memory.get(key)
            if prev is not None and c.time - prev.time < timedelta(seconds=dedup.suppress):
                prev.suppressed += 1
                if (earlier := latest.get((c.rule, key))) is not None:
                    earlier.suppressed += 1
                continue
            c.alert_id = self._alert_id(c.rule, _keys(c))
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
            prune(windows, self._clock - timedelta(seconds=threshold.within), threshold.distinct)
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
        ``runbook``, ``playbook``, ``description``; then whether its alerts carry context,
        and the hash state of its alert ids."""
        static = self._static[i]
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
                carries_context(rule),
                hashlib.blake2b(f"{rule.id}\n".encode(), digest_size=16),
            )
        return static

    def _alert_id(self, i: int, keys: Sequence[str]) -> str:
        """:func:`cloudwarden.detect.alert.alert_id` of rule ``i``: the hash of the rule id and
        its newline is taken once per rule and copied, a third of the cost of a new hash."""
        h = self._rule_static(i)[4].copy()
        h.update("\n".join(keys).encode())
        return str(h.hexdigest())

    def _plain_alerts(self, hits: list[Hit]) -> list[Alert]:
        """The alerts of hits of rules without threshold or dedup, one per hit: :meth:`_alert`
        for a candidate of one hit, without building the candidate."""
        alerts: list[Alert] = []
        append = alerts.append
        static = self._static
        for i, _, key, m, values in hits:
            s = static[i] or self._rule_static(i)
            h = s[4].copy()
            h.update(key.encode())
            context = {f: v for f in CONTEXT_FIELDS if (v := values.get(f, ""))} if s[3] else {}
            t = m.time
            # positional, in Alert's field order: keyword arguments cost a third more per alert
            append(
                Alert(
                    *s[0],
                    key,
                    m.kind,
                    t,
                    m.account,
                    m.region,
                    *s[1],
                    h.hexdigest(),
                    (key,),
                    t,
                    t,
                    1,
                    {},
                    "",
                    0,
                    *s[2],
                    context,
                )
            )
        return alerts

    def _alert(self, c: Candidate) -> Alert:
        head, origin, texts, context, _ = self._rule_static(c.rule)
        first = c.hits[0]
        meta = first.meta
        keys = _keys(c)
        return Alert(
            *head,
            keys[0],
            meta.kind,
            meta.time,
            meta.account,
            meta.region,
            *origin,
            c.alert_id or self._alert_id(c.rule, keys),
            keys,
            meta.time,
            c.time,
            len(c.hits),
            c.group,
            c.dedup_key,
            c.suppressed,
            *texts,
            _context(first) if context else {},
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
                window = Window(threshold.distinct is not None)
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


def _keys(c: Candidate) -> tuple[str, ...]:
    return tuple(h.key for h in c.hits)


def _context(hit: Hit) -> dict[str, str]:
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
