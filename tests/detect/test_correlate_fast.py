"""The fast paths of hits and correlation against plain restatements of the documented rules.

The extractor of grouping texts is generated code, lone threshold groups skip the window
walk, alerts of rules without threshold or dedup skip the candidate stage and alert ids
come from a copied hash state: each is checked here against the simple form it replaces.
"""

from __future__ import annotations

import random
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.detect.alert import EventMeta, alert_id
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.engines.fields import MISSING, field_text, plain_getter, text_extractor
from cloudwarden.detect.matching import Hit
from cloudwarden.detect.rules import Dedup, Match, Rule, parse_threshold
from cloudwarden.detect.rules.ir import CONTEXT_FIELDS

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

NAMES = (
    "eventName",
    "a.b",
    "a.c",
    "a.b.c",
    "a.b.c.d",
    "x.y",
    "userIdentity.sessionContext.sessionIssuer.userName",
    *CONTEXT_FIELDS,
)

_scalars = st.one_of(
    st.none(), st.sampled_from(["", "v", "w"]), st.integers(-2, 2), st.booleans(), st.floats(0, 2)
)
_keys = st.sampled_from(["a", "b", "c", "d", "x", "y", "a.b", "b.c", "a.b.c", "eventName"])
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=6), st.lists(st.sampled_from(NAMES), max_size=8))
def test_text_extractor_is_field_text(record: dict[str, Any], names: list[str]) -> None:
    """Any record (lists, numbers, nulls, literal dotted keys at any level) and any names."""
    assert text_extractor(names)(record) == {n: field_text(record, n) for n in names}


def _ct(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    record: dict[str, Any] = {
        "eventName": "GetObject",
        "sourceIPAddress": rng.choice(["10.0.0.1", None, ["1", "2"]]),
        "userIdentity": rng.choice(
            [
                None,
                "odd",
                {"type": "IAMUser", "arn": "arn:u", "userName": None},
                {
                    "type": "AssumedRole",
                    "arn": 5,
                    "sessionContext": {"sessionIssuer": {"userName": "role"}},
                },
                {"sessionContext": {"sessionIssuer.userName": "lit"}},
            ]
        ),
        "requestParameters": rng.choice([None, {"bucketName": "b", "keyId": ["k"]}, [1]]),
    }
    if rng.random() < 0.2:
        record[rng.choice(CONTEXT_FIELDS)] = "literal"
    return record


def test_text_extractor_on_cloudtrail_shapes() -> None:
    names = ("awsRegion", *CONTEXT_FIELDS)
    extract = text_extractor(names)
    for seed in range(300):
        record = _ct(seed)
        assert extract(record) == {n: field_text(record, n) for n in names}, record


def test_deep_getter_follows_the_literal_keys() -> None:
    get = plain_getter("a.b.c")
    assert get({"a": {"b": {"c": "x"}}}) == "x"
    assert get({"a": {"b": {"c": None}}}) is MISSING  # null: nothing reached
    assert field_text({"a": {"b.c": "lit", "b": {"c": "x"}}}, "a.b.c") == "lit"
    assert text_extractor(["a.b.c"])({"a": {"b.c": "lit", "b": {"c": "x"}}}) == {"a.b.c": "lit"}
    assert text_extractor(["a.b.c"])({"a.b": {"c": "y"}}) == {"a.b.c": "y"}


@given(st.text(min_size=1, max_size=8), st.lists(st.text(max_size=6), min_size=1, max_size=4))
def test_alert_id_from_the_copied_hash_is_alert_id(rule_id: str, keys: list[str]) -> None:
    rule = Rule(id=rule_id, title="t", detection=Match("eventName", "equals", ("X",)))
    d = Detector([rule])
    assert d._alert_id(0, keys) == alert_id(rule_id, keys)


# ---- thresholds against a hit-by-hit walk ------------------------------------------------


def _rule(rule_id: str, threshold: str | None, dedup: Dedup | None = None) -> Rule:
    return Rule(
        id=rule_id,
        title=rule_id,
        detection=Match("eventName", "equals", ("X",)),
        threshold=parse_threshold(threshold) if threshold else None,
        dedup=dedup,
        playbook="p",
        service="cloudtrail",
    )


def _hits(rng: random.Random, rules: int, n: int, start: int = 0) -> list[Hit]:
    """Hits of ``n`` events at random times (after those of earlier ``start``s, as a
    watcher's polls are), each matched by some of the rules; many groups of one hit (the
    case the walk is skipped for) and a few busy ones."""
    out: list[Hit] = []
    for pos in range(start, start + n):
        t = T0 + timedelta(seconds=start + rng.randrange(0, 900))
        meta = EventMeta("cloudtrail", t, "1", rng.choice(["r1", "r2", "r3"]))
        user = rng.choice(["busy", "busy2", f"u{rng.randrange(10**6)}"])
        values = {
            "userIdentity.arn": user,
            "awsRegion": meta.region,
            "sourceIPAddress": rng.choice(["", "1.1.1.1", "2.2.2.2"]),
            "eventName": rng.choice("ABCDE"),
        }
        for i in sorted(rng.sample(range(rules), rng.randrange(1, rules + 1))):
            out.append(Hit(i, pos, f"k{pos:05d}", meta, values))
    return out


def _walk(
    rule: Rule, hits: list[Hit], windows: dict[tuple[str, ...], deque[Hit]]
) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """The threshold as docs/detection-rules.md states it: every hit in time order."""
    th = rule.threshold
    assert th is not None
    need = th.count + 1 if th.op == ">" else th.count
    fired = []
    for h in sorted(hits, key=lambda h: (h.meta.time, h.key, h.position)):
        group = tuple(h.values.get(f, "") for f in th.by)
        window = windows.setdefault(group, deque())
        while window and window[0].meta.time <= h.meta.time - timedelta(seconds=th.within):
            window.popleft()
        window.append(h)
        if th.distinct:
            n = len({v for w in window if (v := w.values.get(th.distinct, ""))})
        else:
            n = len(window)
        if n >= need:
            fired.append((tuple(w.key for w in window), dict(zip(th.by, group, strict=True))))
            windows[group] = deque()
    return fired


THRESHOLDS = (
    "count(distinct awsRegion) >= 3 by userIdentity.arn within 5m",
    "count >= 3 by userIdentity.arn within 2m",
    "count > 1 by userIdentity.arn, sourceIPAddress within 1m",
    "count(distinct eventName) >= 2 by sourceIPAddress within 30s",
    "count >= 1 within 1m",
)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4))
def test_thresholds_equal_the_hit_by_hit_walk(seed: int, batches: int) -> None:
    rng = random.Random(seed)
    rules = [_rule(f"r{i}", th) for i, th in enumerate(THRESHOLDS)]
    rules.append(_rule("plain", None))
    detector = Detector(rules)
    windows: list[dict[tuple[str, ...], deque[Hit]]] = [{} for _ in THRESHOLDS]
    clock: datetime | None = None
    for b in range(batches):
        hits = _hits(rng, len(rules), rng.randrange(0, 150), start=1000 * b)
        alerts = detector._correlate(hits)
        expected = []
        for i, rule in enumerate(rules[:-1]):
            mine = [h for h in hits if h.rule == i]
            expected += [(rule.id, keys, group) for keys, group in _walk(rule, mine, windows[i])]
        got = [(a.rule_id, a.event_ids, a.group) for a in alerts if a.rule_id != "plain"]
        assert sorted(got) == sorted(expected)
        plain = [a.event_ids for a in alerts if a.rule_id == "plain"]
        assert plain == [(h.key,) for h in hits if h.rule == len(rules) - 1]
        # the open windows, once what no later hit can reach is dropped
        if hits:
            newest = max(h.meta.time for h in hits)
            clock = newest if clock is None or newest > clock else clock
        assert clock is not None or not hits
        for i, rule in enumerate(rules[:-1]):
            th = rule.threshold
            assert th is not None
            kept = {}
            for group, window in windows[i].items():
                if clock is not None:
                    while window and window[0].meta.time <= clock - timedelta(seconds=th.within):
                        window.popleft()
                if window:
                    kept[group] = [h.key for h in window]
            open_ = detector._windows.get(i, {})
            assert {g: [h.key for h in w.hits] for g, w in open_.items()} == kept


def test_alerts_come_by_event_then_rule_whatever_the_hit_order() -> None:
    """The matcher gives hits by event then rule; the order of rules within an event is not
    relied on (the file scan lists a record's rules as SQL gives them)."""
    rules = [
        _rule("plain-a", None),
        _rule("burst", "count >= 2 by userIdentity.arn within 1m"),
        _rule("plain-b", None),
        _rule("dedup", None, Dedup(("userIdentity.arn",), 600)),
    ]
    hits = _hits(random.Random(7), len(rules), 200)
    expected = Detector(rules)._correlate(sorted(hits, key=lambda h: (h.position, h.rule)))
    shuffled = sorted(hits, key=lambda h: (h.position, -h.rule))
    got = Detector(rules)._correlate(shuffled)
    assert got == expected
    assert [a.rule_id for a in got[:3]]  # something was raised
    order = [(a.event_ids[-1], a.rule_id) for a in got]
    ranks = {r.id: i for i, r in enumerate(rules)}
    assert order == sorted(order, key=lambda o: (o[0], ranks[o[1]]))
