"""Streaming engine: the rules' compiled closures, indexed by ``eventSource`` / ``eventName``.

Each rule's detection is compiled once into a generated function
(:func:`cloudwarden.detect.engines.dispatch.rule_code`) whose leaves test plain strings
inline and hand every other shape to the reference evaluator's compiled leaf
(:func:`cloudwarden.detect.rules.evaluate.compile_expr`), so the semantics are the
evaluator's; this module decides *which* rules to run for an event.

**The index.** :func:`index_keys` walks a rule's expression and returns the
``(eventSource, eventName)`` constraints that *every* match of the rule satisfies, as a set
of lower-cased pairs in which ``None`` means "any value":

* a :class:`~cloudwarden.detect.rules.ir.Match` ``equals`` (not ``all``) with string values
  on ``eventSource`` or ``eventName`` restricts the field to those values (compared
  case-insensitively, as Sigma does; a ``cased`` match is a fortiori restricted to the same
  lower-cased values);
* an ``And`` restricts to the intersection of the restrictions of its children (children that
  do not restrict are ignored); an ``Or`` to the union, but only if *every* branch restricts;
* anything else (``Not``, keywords, other operators or fields) does not restrict.

A rule with no restriction is evaluated on every event (the "always" bucket); a rule whose
restrictions contradict each other (``eventName`` both ``A`` and ``B``) can never match and is
never evaluated on the fast path.

**Per event.** When the record's ``eventSource`` and ``eventName`` are strings or absent (or
``null``), the candidates are the rules indexed under ``(source, name)``, ``(source, *)``,
``(*, name)`` and the always bucket, in rule order, cached per distinct pair. Any other shape
(a list, a number, an object) is rare and takes the slow path: every rule is evaluated, so
the outcome is exactly the reference evaluator's in all cases.

**Guards.** Most rules of the always bucket require a case-insensitive string equality on
one same field (``userIdentity.type: Root``; :func:`guard_of`). :meth:`StreamEngine.matches`
reads that field once per event (:class:`~cloudwarden.detect.engines.dispatch.GuardDispatch`)
and caches its candidates per ``(eventSource, eventName, value)``: the indexed rules, the
other always-rules, and the guarded rules whose guard admits the value, each running only
its remaining conjuncts. A missing value drops the guarded rules (a missing field fails an
equality); any value that is not a plain string runs their full predicates.

**Python hatches.** A rule's ``python:`` function runs after its detection, contained
(:func:`~cloudwarden.detect.rules.hatch.contain_hatch`): when it raises, the event does not
match that rule and the failure is counted per rule
(:func:`~cloudwarden.detect.rules.hatch.hatch_errors`); the run and the other rules go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from cloudwarden.detect.engines.dispatch import (
    Candidate,
    Code,
    GuardDispatch,
    Runner,
    _guards,
    rule_code,
    run_all,
)
from cloudwarden.detect.engines.fields import field_text, text_extractor
from cloudwarden.detect.rules.evaluate import Predicate
from cloudwarden.detect.rules.ir import And, Expr, Match, Or, Rule
from cloudwarden.detect.sources.model import Event

__all__ = [
    "INDEX_FIELDS",
    "IndexKey",
    "RuleHit",
    "StreamEngine",
    "field_text",
    "guard_of",
    "index_keys",
    "text_extractor",
]

SOURCE_FIELD = "eventSource"
NAME_FIELD = "eventName"
INDEX_FIELDS: tuple[str, str] = (SOURCE_FIELD, NAME_FIELD)

IndexKey = tuple[str | None, str | None]
"""``(eventSource, eventName)``, lower-cased; ``None`` places no constraint on that field."""

_MAX_KEYS = 4096  # a restriction larger than this is not worth indexing (and bounds the walk)
_CACHE_LIMIT = 100_000
_COMPILE_AFTER = 1024  # events of one candidate set before it gets its generated function


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule matching one event. ``event_id`` is CloudTrail's ``eventID`` (or the event key)."""

    rule: Rule
    event_id: str | None
    event: Event | None = None

    @property
    def rule_id(self) -> str:
        return self.rule.id


def index_keys(expr: Expr) -> frozenset[IndexKey] | None:
    """The ``(eventSource, eventName)`` pairs every match of ``expr`` must have; ``None``: any.

    An empty set means the expression cannot match any event whose ``eventSource`` and
    ``eventName`` are strings or absent.
    """
    if isinstance(expr, Match):
        return _match_keys(expr)
    if isinstance(expr, And):
        result: frozenset[IndexKey] | None = None
        for arg in expr.args:
            keys = index_keys(arg)
            if keys is None:
                continue
            result = keys if result is None else _intersect(result, keys)
            if result is not None and len(result) > _MAX_KEYS:
                return None
        return result
    if isinstance(expr, Or):
        union: set[IndexKey] = set()
        for arg in expr.args:
            keys = index_keys(arg)
            if keys is None:
                return None
            union |= keys
            if len(union) > _MAX_KEYS:
                return None
        return frozenset(union)
    return None  # Not, Keyword


def _match_keys(m: Match) -> frozenset[IndexKey] | None:
    if m.field not in INDEX_FIELDS or m.op != "equals" or m.all or not m.values:
        return None
    if not all(isinstance(v, str) for v in m.values):
        return None
    lowered = {str(v).lower() for v in m.values}
    if m.field == SOURCE_FIELD:
        return frozenset((v, None) for v in lowered)
    return frozenset((None, v) for v in lowered)


def _intersect(a: frozenset[IndexKey], b: frozenset[IndexKey]) -> frozenset[IndexKey]:
    out: set[IndexKey] = set()
    for (s1, n1), (s2, n2) in product(a, b):
        if s1 is not None and s2 is not None and s1 != s2:
            continue
        if n1 is not None and n2 is not None and n1 != n2:
            continue
        out.add((s1 if s1 is not None else s2, n1 if n1 is not None else n2))
    return frozenset(out)


def guard_of(expr: Expr) -> tuple[tuple[str, frozenset[str]], ...]:
    """The required case-insensitive string equalities of an And (or bare Match): field, values.

    Used as cheap *necessary* conditions for rules that the index cannot restrict: when the
    event's value is plainly a string (or absent) and not among the values, the rule cannot
    match; in every other case the rule's compiled predicate decides.
    """
    return tuple((c.field, frozenset(str(v).lower() for v in c.values)) for c in _guards(expr))


class StreamEngine:
    """Evaluates rules on events one at a time, running only the rules an event can match.

    ``compile_after``: how many events of one candidate set :meth:`matches` runs through the
    per-rule predicates before compiling the set into one function (0: at once); either way
    the answers are the same.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        built = [rule_code(r, None, f"r{i}_") for i, r in enumerate(self.rules)]
        full = tuple(pred for pred, _ in built)
        self._compiled: tuple[tuple[Rule, Predicate], ...] = tuple(
            zip(self.rules, full, strict=True)
        )
        self.keys: tuple[frozenset[IndexKey] | None, ...] = tuple(
            index_keys(r.detection) for r in self.rules
        )
        self._by_pair: dict[tuple[str, str], list[int]] = {}
        self._by_source: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._always: list[int] = []
        for i, keys in enumerate(self.keys):
            if keys is None:
                self._always.append(i)
                continue
            for s, n in keys:
                if s is not None and n is not None:
                    self._by_pair.setdefault((s, n), []).append(i)
                elif s is not None:
                    self._by_source.setdefault(s, []).append(i)
                elif n is not None:
                    self._by_name.setdefault(n, []).append(i)
                else:  # (None, None) cannot arise from index_keys, but would mean "any"
                    self._always.append(i)
        self._dispatch = GuardDispatch(self.rules, tuple(dict.fromkeys(self._always)), full)
        self._read_guard = self._dispatch.read
        self._cache: dict[tuple[Any, Any], tuple[tuple[Rule, Predicate], ...]] = {}
        self._match_cache: dict[tuple[Any, Any, object], Runner] = {}
        self._code: dict[Predicate, Code] = {**dict(built), **self._dispatch.code}
        self._sets: dict[tuple[Candidate, ...], Runner] = {}
        self._waiting: dict[tuple[Candidate, ...], tuple[Runner, list[Any]]] = {}
        self.compile_after = _COMPILE_AFTER
        self._all_indexed: tuple[Candidate, ...] = tuple(enumerate(full))

    @property
    def always(self) -> tuple[Rule, ...]:
        """The rules evaluated on every event (no eventSource/eventName restriction)."""
        return tuple(self.rules[i] for i in dict.fromkeys(self._always))

    def candidates(self, event_source: Any, event_name: Any) -> Sequence[tuple[Rule, Predicate]]:
        """The rules (with their predicates) to evaluate for an event with these two values."""
        key = (event_source, event_name)
        try:
            return self._cache[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value (list, dict)
            pass
        chosen = self._chosen(event_source, event_name)
        if chosen is None:
            return self._compiled  # slow path: anything but a string or absent
        result = tuple(self._compiled[i] for i in chosen)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _chosen(self, event_source: Any, event_name: Any) -> list[int] | None:
        """The indices of the candidate rules, in rule order; ``None``: every rule (slow path)."""
        s_ok = event_source is None or isinstance(event_source, str)
        n_ok = event_name is None or isinstance(event_name, str)
        if not (s_ok and n_ok):
            return None
        s = event_source.lower() if event_source is not None else None
        n = event_name.lower() if event_name is not None else None
        chosen: set[int] = set(self._always)
        if s is not None:
            chosen.update(self._by_source.get(s, ()))
        if n is not None:
            chosen.update(self._by_name.get(n, ()))
        if s is not None and n is not None:
            chosen.update(self._by_pair.get((s, n), ()))
        return sorted(chosen)

    def matches(self, record: Mapping[str, Any]) -> tuple[int, ...]:
        """The indices (into :attr:`rules`) of the rules ``record`` matches, in rule order:
        :meth:`process` without building a hit object per match."""
        src, name = record.get(SOURCE_FIELD), record.get(NAME_FIELD)
        # one read of the field most always-rules guard on; its plain value (or marker)
        # joins the cache key, so the guards themselves are decided once per distinct key
        key = (src, name, self._read_guard(record))
        try:
            run = self._match_cache[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value (list, dict)
            run = self._runner(key)
        return run(record)

    def _runner(self, key: tuple[Any, Any, object]) -> Runner:
        """What :meth:`matches` runs for events with this key. A candidate set first runs
        its predicates in a loop, counting events; once it has seen :attr:`compile_after`
        of them it gets one generated function (:func:`run_all`, the same expressions)."""
        cands = self._match_candidates(*key)
        if cands is None:  # slow path: every rule's full predicate, not cached
            every = self._all_indexed
            return lambda record: tuple([i for i, pred in every if pred(record)])
        if len(self._match_cache) >= _CACHE_LIMIT:
            self._match_cache.clear()
            self._waiting.clear()
        run = self._sets.get(cands)
        if run is None and self.compile_after <= 0:
            run = self._compile(cands)
        elif run is None:
            # many keys share a candidate set (every event name no rule mentions, say):
            # the events are counted per set, and its keys all switch when it compiles
            if cands not in self._waiting:
                self._waiting[cands] = (self._counting(cands), [])
            run, keys = self._waiting[cands]
            keys.append(key)
        self._match_cache[key] = run
        return run

    def _counting(self, cands: tuple[Candidate, ...]) -> Runner:
        uses = 0

        def run(record: Mapping[str, Any]) -> tuple[int, ...]:
            nonlocal uses
            uses += 1
            if uses == self.compile_after:  # worth the compile: replace this runner
                compiled = self._compile(cands)
                _, keys = self._waiting.pop(cands, (run, []))
                for key in keys:
                    if self._match_cache.get(key) is run:
                        self._match_cache[key] = compiled
            return tuple([i for i, pred in cands if pred(record)])

        return run

    def _compile(self, cands: tuple[Candidate, ...]) -> Runner:
        run = self._sets.get(cands)
        if run is None:
            if len(self._sets) >= _CACHE_LIMIT:
                self._sets.clear()
            run = self._sets[cands] = run_all([(i, self._code[pred]) for i, pred in cands])
        return run

    def _match_candidates(self, src: Any, name: Any, guard: object) -> tuple[Candidate, ...] | None:
        """The (index, predicate) pairs to run, in rule order: the indexed rules and the
        always-rules with their full predicates, except that the dispatched always-rules
        are those :meth:`GuardDispatch.select` picks for ``guard``, with its predicates;
        ``None``: the slow path."""
        chosen = self._chosen(src, name)
        if chosen is None:
            return None
        dispatched = self._dispatch.indices
        merged = dict((i, self._all_indexed[i][1]) for i in chosen if i not in dispatched)
        merged.update(self._dispatch.select(guard))
        return tuple(sorted(merged.items()))

    def process(self, record: Mapping[str, Any], event: Event | None = None) -> list[RuleHit]:
        """The rules ``record`` (a CloudTrail record, or any field mapping) matches, in rule order.

        Hits carry ``event.key`` when ``event`` is given, else the record's ``eventID``.
        """
        event_id: str | None
        if event is not None:
            event_id = event.key
        else:
            raw_id = record.get("eventID")
            event_id = None if raw_id is None else str(raw_id)
        rules = self.rules
        return [RuleHit(rules[i], event_id, event) for i in self.matches(record)]

    def run(self, events: Iterable[Event]) -> Iterator[RuleHit]:
        """Hits for a stream of events, as they arrive.

        A CloudTrail event is matched on its original record (``raw``); a text-log event
        (VPC Flow, S3 access), whose ``raw`` is the line, on its promoted ``fields``.
        """
        for event in events:
            record = event.raw if isinstance(event.raw, dict) else event.fields
            yield from self.process(record, event)
