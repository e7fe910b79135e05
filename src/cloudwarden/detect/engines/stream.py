"""Streaming engine: the rules' compiled closures, indexed by ``eventSource`` / ``eventName``.

Each rule's detection is compiled once by the reference evaluator
(:func:`cloudwarden.detect.rules.evaluate.compile_expr`), so the semantics are the
evaluator's by construction; this module only decides *which* rules to run for an event.

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

**Guards.** A rule of the always bucket that requires a case-insensitive string equality on
some other field (``userIdentity.type: Root``) is wrapped in a cheap pre-check of that one
value (:func:`guard_of`); it only ever skips events the rule cannot match, and defers to the
compiled predicate whenever the value is not a plain string or absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from cloudwarden.detect.engines.fields import (
    MISSING,
    field_text,
    plain_getter,
    text_extractor,
)
from cloudwarden.detect.rules.evaluate import (
    Predicate,
    _value_tests,
    compile_expr,
)
from cloudwarden.detect.rules.hatch import EventFields, resolve_hatch
from cloudwarden.detect.rules.ir import And, Expr, Match, Not, Or, Rule
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
    return tuple(
        (c.field, frozenset(str(v).lower() for v in c.values)) for c in _guard_matches(expr)
    )


def _guard_matches(expr: Expr) -> tuple[Match, ...]:
    conjuncts = expr.args if isinstance(expr, And) else (expr,)
    return tuple(
        c
        for c in conjuncts
        if isinstance(c, Match)
        and c.op == "equals"
        and not c.all
        and not c.cased
        and c.values
        and all(isinstance(v, str) for v in c.values)
    )


def _guarded(
    pred: Predicate, guards: tuple[tuple[str, frozenset[str]], ...], rest: Predicate
) -> Predicate:
    """``pred`` behind its guards: an event whose guard fields are plain strings among the
    values needs only ``rest`` (the other conjuncts: the guards' own conjuncts are then
    true, as the evaluator's case-insensitive ``equals`` of a string is exactly that
    membership); a missing field or another string fails; any other shape asks ``pred``."""
    checks = tuple((plain_getter(field), wanted) for field, wanted in guards)
    if len(checks) == 1:
        ((get1, wanted1),) = checks

        def guarded1(event: Mapping[str, Any]) -> bool:
            v = get1(event)
            if type(v) is str:
                return v.lower() in wanted1 and rest(event)
            return False if v is MISSING else pred(event)

        return guarded1

    def guarded(event: Mapping[str, Any]) -> bool:
        plain = True
        for get, wanted in checks:
            v = get(event)
            if type(v) is str:
                if v.lower() not in wanted:
                    return False
            elif v is MISSING:
                return False
            else:
                plain = False
        return rest(event) if plain else pred(event)

    return guarded


def _rest(rule: Rule) -> Predicate:
    """The rule's predicate without the conjuncts :func:`guard_of` takes as guards."""
    expr = rule.detection
    guards = {(m.field, m) for m in _guard_matches(expr)}
    conjuncts = expr.args if isinstance(expr, And) else (expr,)
    others = tuple(c for c in conjuncts if not (isinstance(c, Match) and (c.field, c) in guards))
    if not others:
        return _with_hatch(rule, lambda event: True)
    return _with_hatch(rule, fast_compile(others[0] if len(others) == 1 else And(others)))


_Candidates = tuple[tuple[Rule, Predicate], ...]
_PLAIN_OPS = frozenset(
    {"equals", "wildcard", "contains", "startswith", "endswith", "re", "cidr"}
    | {"lt", "lte", "gt", "gte", "neq"}
)


def fast_compile(expr: Expr) -> Predicate:
    """The evaluator's predicate, with a shortcut for the common case of a plain string.

    A :class:`Match` leaf first reads its field with :func:`plain_getter`: a plain string
    (every step a dict, no literal dotted key on the way) is tested directly with the
    evaluator's own per-value tests; an absent or ``null`` field fails every positive test
    (as in the evaluator, where ``null`` compares as nothing); anything else (lists,
    numbers, objects, dotted keys) is left to the evaluator's compiled leaf. ``And`` /
    ``Or`` / ``Not`` short-circuit in plain loops instead of generator expressions.
    """
    if isinstance(expr, And | Or):
        parts = tuple(fast_compile(a) for a in expr.args)
        if isinstance(expr, And):
            return _all_of(parts)
        return _any_of(parts)
    if isinstance(expr, Not):
        inner = fast_compile(expr.arg)
        return lambda event: not inner(event)
    if isinstance(expr, Match) and expr.op in ("null", "exists"):
        return _fast_presence(expr)
    if not isinstance(expr, Match) or expr.op not in _PLAIN_OPS:
        return compile_expr(expr)
    return _fast_leaf(expr)


def _fast_presence(m: Match) -> Predicate:
    slow = compile_expr(m)
    get = plain_getter(m.field)
    want = m.op == "exists" and bool(m.values[0] if m.values else True)

    def presence(event: Mapping[str, Any]) -> bool:
        v = get(event)
        if type(v) is str:
            return want
        return (not want) if v is MISSING else slow(event)

    return presence


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        a, b = parts
        return lambda event: a(event) and b(event)

    def all_of(event: Mapping[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110 -- a plain loop: no generator per event
            if not p(event):
                return False
        return True

    return all_of


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    def any_of(event: Mapping[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110 -- a plain loop: no generator per event
            if p(event):
                return True
        return False

    return any_of


def _fast_leaf(m: Match) -> Predicate:
    slow = compile_expr(m)
    get = plain_getter(m.field)
    tests = tuple(_value_tests(m))
    if not tests:
        return slow
    if len(tests) == 1:
        (test,) = tests

        def one(event: Mapping[str, Any]) -> bool:
            v = get(event)
            if type(v) is str:
                return test(v)
            return False if v is MISSING else slow(event)

        return one

    def several(event: Mapping[str, Any]) -> bool:
        v = get(event)
        if type(v) is str:
            if m.all:
                return all(t(v) for t in tests)
            return any(t(v) for t in tests)
        return False if v is MISSING else slow(event)

    return several


def _predicate(rule: Rule) -> Predicate:
    """The rule's detection, AND-ed with its ``python:`` function when it has one."""
    return _with_hatch(rule, fast_compile(rule.detection))


def _with_hatch(rule: Rule, pred: Predicate) -> Predicate:
    if not rule.python:
        return pred
    hatch = resolve_hatch(rule.python)

    def with_hatch(record: Mapping[str, Any]) -> bool:
        return pred(record) and bool(hatch(EventFields(record)))

    return with_hatch


class StreamEngine:
    """Evaluates rules on events one at a time, running only the rules an event can match."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._compiled: _Candidates = tuple((r, _predicate(r)) for r in self.rules)
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
        always = set(self._always)
        self._compiled = tuple(
            (
                rule,
                _guarded(pred, g, _rest(rule))
                if i in always and (g := guard_of(rule.detection))
                else pred,
            )
            for i, (rule, pred) in enumerate(self._compiled)
        )
        self._cache: dict[tuple[Any, Any], _Candidates] = {}
        self._indexed_cache: dict[tuple[Any, Any], tuple[tuple[int, Predicate], ...]] = {}
        self._all_indexed = tuple((i, pred) for i, (_, pred) in enumerate(self._compiled))

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
        key = (src, name)
        try:
            cands = self._indexed_cache[key]
        except (KeyError, TypeError):
            chosen = self._chosen(src, name)
            if chosen is None:
                cands = self._all_indexed
            else:
                cands = tuple((i, self._compiled[i][1]) for i in chosen)
                if len(self._indexed_cache) >= _CACHE_LIMIT:
                    self._indexed_cache.clear()
                self._indexed_cache[key] = cands
        return tuple([i for i, pred in cands if pred(record)])

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
        cands = self.candidates(record.get(SOURCE_FIELD), record.get(NAME_FIELD))
        return [RuleHit(rule, event_id, event) for rule, pred in cands if pred(record)]

    def run(self, events: Iterable[Event]) -> Iterator[RuleHit]:
        """Hits for a stream of events, as they arrive.

        A CloudTrail event is matched on its original record (``raw``); a text-log event
        (VPC Flow, S3 access), whose ``raw`` is the line, on its promoted ``fields``.
        """
        for event in events:
            record = event.raw if isinstance(event.raw, dict) else event.fields
            yield from self.process(record, event)
