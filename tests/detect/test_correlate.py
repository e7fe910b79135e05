"""Thresholds, dedup and suppression (docs/detection-rules.md), the same on both engines."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.detect.alert import Alert
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.rules import Dedup, Match, Rule, Threshold, parse_threshold
from cloudwarden.detect.sources import Event
from cloudwarden.detect.sources.cloudtrail import to_event
from cloudwarden.detect.sources.vpcflow import DEFAULT_FIELDS, parse_line

ACCOUNT = "111122223333"
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
IP = "203.0.113.7"
ENGINES = ("stream", "batch")


def failure(n: int, second: float, ip: str = IP, **extra: Any) -> Event:
    """A failed console sign-in ``second`` seconds after T0, with eventID ``e<n>``."""
    when = (T0 + timedelta(seconds=second)).isoformat().replace("+00:00", "Z")
    rec = {
        "eventID": f"e{n:03d}",
        "eventTime": when,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "sourceIPAddress": ip,
        "recipientAccountId": ACCOUNT,
        "awsRegion": "us-east-1",
        "responseElements": {"ConsoleLogin": "Failure"},
        **extra,
    }
    event = to_event(rec)
    assert isinstance(event, Event)
    return event


def flow(n: int, second: int, src: str, dstport: int | None) -> Event:
    start = int(T0.timestamp()) + second
    port = "-" if dstport is None else str(dstport)
    line = f"2 {ACCOUNT} eni-1 {src} 10.0.0.5 40000 {port} 6 1 40 {start} {start + 5} REJECT OK"
    fields = parse_line(line, DEFAULT_FIELDS)
    assert isinstance(fields, dict)
    return Event("vpcflow", T0 + timedelta(seconds=second), f"f{n:03d}", fields, line)


def login_rule(
    threshold: str | None = None, dedup: Dedup | None = None, rule_id: str = "cw-brute"
) -> Rule:
    return Rule(
        id=rule_id,
        title="Failed sign-ins",
        detection=Match("eventName", "equals", ("ConsoleLogin",)),
        level="high",
        service="cloudtrail",
        threshold=parse_threshold(threshold) if threshold else None,
        dedup=dedup,
        runbook="look",
        playbook="compromised-credentials",
        description="many failures",
    )


def scan_rule(threshold: str) -> Rule:
    return Rule(
        id="cw-scan",
        title="Port scan",
        detection=Match("action", "equals", ("REJECT",)),
        service="vpcflow",
        threshold=parse_threshold(threshold),
    )


def detect(rules: list[Rule], events: list[Event], engine: str = "stream") -> list[Alert]:
    return Detector(rules, engine).process(events)  # type: ignore[arg-type]


def keys(alerts: list[Alert]) -> list[tuple[str, ...]]:
    return [a.event_ids for a in alerts]


# ---- plain rules ------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_without_threshold_every_hit_is_an_alert(engine: str) -> None:
    alerts = detect([login_rule()], [failure(1, 0), failure(2, 1)], engine)
    assert keys(alerts) == [("e001",), ("e002",)]
    a = alerts[0]
    assert (a.event_id, a.count, a.group, a.dedup_key, a.suppressed) == ("e001", 1, {}, "", 0)
    assert a.first_time == a.last_time == a.event_time == T0
    assert (a.runbook, a.playbook, a.description) == (
        "look",
        "compromised-credentials",
        "many failures",
    )
    assert a.account == ACCOUNT and a.region == "us-east-1"
    assert a.alert_id == detect([login_rule()], [failure(1, 0)])[0].alert_id  # stable
    assert a.alert_id != alerts[1].alert_id


# ---- thresholds -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_threshold_alert_carries_the_window(engine: str) -> None:
    rule = login_rule("count >= 3 by sourceIPAddress within 1m")
    alerts = detect([rule], [failure(1, 0), failure(2, 10), failure(3, 20)], engine)
    (a,) = alerts
    assert a.event_ids == ("e001", "e002", "e003") and a.event_id == "e001"
    assert a.count == 3 and a.group == {"sourceIPAddress": IP}
    assert (a.first_time, a.last_time) == (T0, T0 + timedelta(seconds=20))


@pytest.mark.parametrize(
    ("seconds", "threshold", "expected"),
    [
        ([0, 30, 59], "count >= 3 within 1m", [("e001", "e002", "e003")]),
        # the window keeps time > t - 60s: the hit at 0 is out when the one at 60 arrives
        ([0, 30, 60], "count >= 3 within 1m", []),
        ([0, 1, 2], "count > 3 within 1m", []),
        ([0, 1, 2, 3], "count > 3 within 1m", [("e001", "e002", "e003", "e004")]),
        # after an alert the window is emptied: six hits, two alerts, not four
        (
            [0, 1, 2, 3, 4, 5],
            "count >= 3 within 1m",
            [("e001", "e002", "e003"), ("e004", "e005", "e006")],
        ),
        ([0, 1, 2, 3, 4], "count >= 3 within 1m", [("e001", "e002", "e003")]),
        ([0, 50, 100, 110], "count >= 3 within 1m", []),
        ([0, 50, 100, 105], "count >= 2 within 1m", [("e001", "e002"), ("e003", "e004")]),
    ],
)
def test_window_edges(seconds: list[int], threshold: str, expected: list[tuple[str, ...]]) -> None:
    events = [failure(i + 1, s) for i, s in enumerate(seconds)]
    for engine in ENGINES:
        assert keys(detect([login_rule(threshold)], events, engine)) == expected


def test_groups_are_counted_apart() -> None:
    rule = login_rule("count >= 3 by sourceIPAddress within 1m")
    events = [failure(1, 0, "a"), failure(2, 1, "b"), failure(3, 2, "a"), failure(4, 3, "b")]
    assert detect([rule], events) == []
    (a,) = detect([rule], [*events, failure(5, 4, "b")])
    assert a.event_ids == ("e002", "e004", "e005") and a.group == {"sourceIPAddress": "b"}


def test_a_missing_group_field_is_the_empty_value() -> None:
    rule = login_rule("count >= 2 by userIdentity.userName within 1m")
    (a,) = detect([rule], [failure(1, 0), failure(2, 1)])
    assert a.group == {"userIdentity.userName": ""}


@pytest.mark.parametrize("engine", ENGINES)
def test_distinct_counts_values_not_hits(engine: str) -> None:
    rule = scan_rule("count(distinct dstport) >= 3 by srcaddr within 1m")
    events = [
        flow(1, 0, "198.51.100.9", 22),
        flow(2, 1, "198.51.100.9", 22),  # same port: no new value
        flow(3, 2, "198.51.100.9", None),  # missing: not counted
        flow(4, 3, "198.51.100.1", 80),  # other group
        flow(5, 4, "198.51.100.9", 80),
        flow(6, 5, "198.51.100.9", 443),
    ]
    (a,) = detect([rule], events, engine)
    assert a.event_ids == ("f001", "f002", "f003", "f005", "f006")
    assert a.group == {"srcaddr": "198.51.100.9"} and a.event_kind == "vpcflow"
    assert a.account == ACCOUNT


def test_distinct_values_leave_the_window_with_their_hits() -> None:
    rule = scan_rule("count(distinct dstport) >= 3 within 10s")
    events = [flow(1, 0, "x", 22), flow(2, 5, "x", 80), flow(3, 11, "x", 443)]
    assert detect([rule], events) == []  # 22 expired when 443 arrived
    assert len(detect([rule], [*events, flow(4, 12, "x", 8080)])) == 1


def test_ties_in_time_are_taken_by_event_key() -> None:
    rule = login_rule("count >= 2 within 1m")
    events = [failure(3, 0), failure(1, 0), failure(2, 0)]
    assert keys(detect([rule], events)) == [("e001", "e002")]


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(12))), st.integers(0, 1000))
def test_out_of_order_input_gives_the_same_alerts(order: list[int], seed: int) -> None:
    rng = random.Random(seed)
    seconds = sorted(rng.randrange(0, 200) for _ in range(12))
    ips = [rng.choice("ab") for _ in range(12)]
    events = [failure(i + 1, s, ips[i]) for i, s in enumerate(seconds)]
    rules = [
        login_rule("count >= 3 by sourceIPAddress within 1m"),
        login_rule("count(distinct sourceIPAddress) > 1 within 30s", rule_id="cw-two"),
    ]
    in_order = detect(rules, events)
    shuffled = detect(rules, [events[i] for i in order])
    assert sorted(a.alert_id for a in shuffled) == sorted(a.alert_id for a in in_order)


# ---- dedup and suppression --------------------------------------------------------------


def test_suppression_counts_on_the_first_alert() -> None:
    rule = login_rule(dedup=Dedup(("sourceIPAddress",), 600))
    minutes = [0, 5, 9.99, 10, 15]
    events = [failure(i + 1, m * 60) for i, m in enumerate(minutes)] + [failure(9, 60, "other")]
    for engine in ENGINES:
        alerts = detect([rule], events, engine)
        assert [(a.event_id, a.suppressed) for a in alerts] == [
            ("e001", 2),
            ("e004", 1),  # ten minutes after the first raised alert: raised again
            ("e009", 0),  # another key (alerts come in input order)
        ]
        assert alerts[0].dedup_key == f"sourceIPAddress={IP}"


def test_a_suppressed_threshold_crossing_still_empties_the_window() -> None:
    rule = login_rule("count >= 2 by sourceIPAddress within 1h", Dedup(("sourceIPAddress",), 3600))
    alerts = detect([rule], [failure(i, i) for i in range(1, 6)])
    ((a),) = alerts
    assert a.event_ids == ("e001", "e002") and a.suppressed == 1  # e3+e4 suppressed, e5 open


def test_dedup_without_by_fields_is_one_key_per_rule() -> None:
    rule = login_rule(dedup=Dedup((), 60))
    alerts = detect([rule], [failure(1, 0, "a"), failure(2, 1, "b")])
    assert [(a.event_id, a.suppressed, a.dedup_key) for a in alerts] == [("e001", 1, "")]


# ---- state across calls -----------------------------------------------------------------


def _identity(alerts: list[Alert]) -> list[tuple[Any, ...]]:
    return sorted((a.alert_id, a.event_ids, tuple(a.group.items()), a.dedup_key) for a in alerts)


@pytest.mark.parametrize("engine", ENGINES)
def test_state_round_trip_equals_one_run(engine: str) -> None:
    rules = [
        login_rule("count >= 3 by sourceIPAddress within 1m", Dedup(("sourceIPAddress",), 300)),
        login_rule(dedup=Dedup(("sourceIPAddress",), 120), rule_id="cw-each"),
    ]
    seconds = [0, 20, 50, 70, 80, 95, 100, 130, 140, 170, 200, 230, 400, 410, 420]
    events = [failure(i + 1, s, "ab"[i % 2]) for i, s in enumerate(seconds)]
    cut = 7  # an open window and live suppression cross the cut
    first = Detector(rules, engine)  # type: ignore[arg-type]
    part_a = first.process(events[:cut])
    saved = json.loads(json.dumps(first.state()))
    assert saved["windows"] and saved["suppress"]
    second = Detector(rules, engine, state=saved)  # type: ignore[arg-type]
    part_b = second.process(events[cut:])
    whole = Detector(rules, engine)  # type: ignore[arg-type]
    all_at_once = whole.process(events)
    assert _identity(part_a + part_b) == _identity(all_at_once)
    assert second.state() == whole.state()


def test_state_of_unknown_rules_is_ignored_and_bad_versions_refused() -> None:
    first = Detector([login_rule("count >= 5 within 1h")])
    first.process([failure(1, 0)])
    state = first.state()
    assert Detector([login_rule(rule_id="other")], state=state).state()["windows"] == {}
    with pytest.raises(ValueError, match="version"):
        Detector([login_rule()], state={**state, "version": 99})


def test_state_forgets_what_no_later_event_can_reach() -> None:
    d = Detector([login_rule("count >= 5 within 1m", Dedup((), 60))])
    d.process([failure(1, 0), failure(2, 1)])
    assert d.state()["windows"]
    d.process([failure(3, 3600)])
    assert d.state()["windows"]["cw-brute"][0]["hits"][0]["key"] == "e003"
    assert len(d.state()["windows"]["cw-brute"][0]["hits"]) == 1


# ---- the two engines --------------------------------------------------------------------


def _mixed_events() -> list[Event]:
    trust = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    )
    own = trust.replace("999988887777", ACCOUNT)
    iam = {"eventSource": "iam.amazonaws.com", "eventName": "UpdateAssumeRolePolicy"}
    events = [failure(i, i * 7, "ab"[i % 3 == 0]) for i in range(1, 20)]
    events.append(
        failure(40, 30, requestParameters={"policyDocument": trust, "roleName": "r"}, **iam)
    )
    events.append(
        failure(41, 31, requestParameters={"policyDocument": own, "roleName": "r"}, **iam)
    )
    events += [flow(i, i * 3, "198.51.100.9", 20 + i) for i in range(1, 12)]
    return events


def _mixed_rules() -> list[Rule]:
    return [
        login_rule("count >= 3 by sourceIPAddress within 30s", Dedup(("sourceIPAddress",), 60)),
        login_rule(rule_id="cw-each", dedup=Dedup(("sourceIPAddress",), 20)),
        scan_rule("count(distinct dstport) > 4 by srcaddr within 20s"),
        Rule(
            id="cw-trust",
            title="external trust",
            detection=Match("eventName", "equals", ("UpdateAssumeRolePolicy",)),
            service="cloudtrail",
            python="cloudwarden.detect.rules.hatch:trust_names_external_account",
        ),
    ]


def test_stream_and_batch_agree_on_thresholds_dedup_and_python_rules() -> None:
    events = _mixed_events()
    stream = Detector(_mixed_rules(), "stream")
    batch = Detector(_mixed_rules(), "batch")
    s_alerts = stream.process(events)
    b_alerts = batch.process(events)
    assert [a.to_dict() for a in s_alerts] == [a.to_dict() for a in b_alerts]
    assert {a.rule_id for a in s_alerts} == {"cw-brute", "cw-each", "cw-scan", "cw-trust"}
    assert [a.event_id for a in s_alerts if a.rule_id == "cw-trust"] == ["e040"]
    assert batch.unsupported == {
        "cw-trust": "python function (evaluated by the streaming engine instead)"
    }
    assert stream.unsupported == {}
    assert stream.state() == batch.state()


def test_alert_dict_round_trip() -> None:
    (a,) = detect(
        [login_rule("count >= 2 by sourceIPAddress within 1m")], [failure(1, 0), failure(2, 1)]
    )
    d = a.to_dict()
    assert Alert.from_dict(json.loads(json.dumps(d))) == a
    assert Alert.from_dict(d).to_dict() == d


def test_threshold_str_is_readable() -> None:
    assert str(Threshold(">=", 5, 600, ("a", "b"))) == "count >= 5 by a, b within 600s"


def test_alert_from_an_older_dict_takes_defaults() -> None:
    old = {
        "rule_id": "r",
        "title": "t",
        "severity": "high",
        "attack": ["T1110"],
        "tags": [],
        "event_id": "e1",
        "event_kind": "cloudtrail",
        "event_time": "2026-11-01T10:00:00+00:00",
        "account": ACCOUNT,
        "region": "us-east-1",
        "rule_origin": "sigma",
    }
    a = Alert.from_dict(old)
    assert a.event_ids == ("e1",) and a.count == 1 and a.first_time == a.last_time == T0
    assert a.alert_id == Alert.from_dict({**old, "alert_id": ""}).alert_id != ""


def test_an_empty_batch_changes_nothing() -> None:
    d = Detector([login_rule("count >= 2 within 1m")])
    assert d.process(iter(())) == []
    assert d.state() == {"version": 1, "clock": None, "windows": {}, "suppress": {}}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(1, 39), max_size=4))
def test_batches_cut_anywhere_equal_one_run(seed: int, cuts: list[int]) -> None:
    """Groups that cannot meet a threshold within one batch skip the hit-by-hit walk and are
    parked in their windows (windows.live_hits); a later batch may complete them. Any cut
    of the events into batches (state carried through JSON) raises what one run raises and
    leaves the same state, for count and distinct thresholds, with and without dedup."""
    rng = random.Random(seed)
    seconds = sorted(rng.randrange(0, 300) for _ in range(40))
    events = [
        failure(i + 1, s, rng.choice("abc"), userAgent=rng.choice(("x", "y", "z", "w")))
        for i, s in enumerate(seconds)
    ]
    rules = [
        login_rule("count >= 4 by sourceIPAddress within 1m"),
        login_rule("count > 2 within 20s", Dedup((), 60), rule_id="cw-any"),
        login_rule("count(distinct userAgent) >= 3 by sourceIPAddress within 90s", rule_id="cw-ua"),
    ]
    whole = Detector(rules)
    expected = whole.process(events)
    got: list[Alert] = []
    state: dict[str, Any] | None = None
    bounds = [0, *sorted(set(cuts)), len(events)]
    for lo, hi in itertools.pairwise(bounds):
        part = Detector(rules, state=state)
        got += part.process(events[lo:hi])
        state = json.loads(json.dumps(part.state()))
    assert _identity(got) == _identity(expected)
    assert state == json.loads(json.dumps(whole.state()))
