"""CloudTrail events promote ``fields`` on first access; results must not change because of it.

The reader no longer promotes every record up front, so these tests pin down that what a
caller sees is what eager promotion gave: the same mapping (absent keys absent, nulls kept
as ``None``), computed once, an event that stays frozen and equal to the eager one, bad
records counted at the same ``origin#index``, and alert metadata read from ``raw`` giving
the strings the promoted fields gave.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudwarden.detect.alert import EventMeta, event_meta
from cloudwarden.detect.sources import Event, Problem, SourceStats, cloudtrail, read_events
from cloudwarden.detect.sources.cloudtrail import CloudTrailEvent, promote, to_event

DATA = Path(__file__).parent / "data"
T = "2024-03-15T12:10:00Z"
_FIELDS_SLOT: Any = Event.__dict__["fields"]


def rec(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"eventID": f"e{n}", "eventTime": T, **extra}


def event(record: dict[str, Any]) -> Event:
    made = to_event(record)
    assert isinstance(made, Event), made
    return made


def promoted_yet(ev: Event) -> bool:
    try:
        _FIELDS_SLOT.__get__(ev)
    except AttributeError:
        return False
    return True


def expected_fields(r: dict[str, Any]) -> dict[str, Any]:
    """The promotion written out independently: only keys that are there, values as they are."""
    out = {k: r[k] for k in cloudtrail.TOP_FIELDS if k in r}
    ident = r.get("userIdentity")
    if isinstance(ident, dict):
        for name, dotted in cloudtrail.IDENTITY_FIELDS:
            if name in ident:
                out[dotted] = ident[name]
        ctx = ident.get("sessionContext")
        if isinstance(ctx, dict):
            issuer = ctx.get("sessionIssuer")
            if isinstance(issuer, dict) and "arn" in issuer:
                out[cloudtrail.ISSUER_ARN] = issuer["arn"]
            attrs = ctx.get("attributes")
            if isinstance(attrs, dict) and "mfaAuthenticated" in attrs:
                out[cloudtrail.MFA_AUTHENTICATED] = attrs["mfaAuthenticated"]
    return out


def test_read_events_are_lazy_and_fields_equal_the_promoted_ones() -> None:
    stats = SourceStats()
    events = [e for e in read_events(str(DATA), stats=stats) if e.source == "cloudtrail"]
    assert len(events) >= 5
    for ev in events:
        assert type(ev) is CloudTrailEvent
        assert not promoted_yet(ev)
        assert isinstance(ev.raw, dict)
        assert ev.fields == promote(ev.raw) == expected_fields(ev.raw)
        assert promoted_yet(ev)


def test_reading_does_not_promote(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("promoted while reading")

    monkeypatch.setattr(cloudtrail, "promote", refuse)
    events = list(read_events(str(DATA / "AWSLogs"), stats=SourceStats()))
    assert [e.key for e in events]  # read and keyed without promoting
    with pytest.raises(AssertionError, match="promoted while reading"):
        _ = events[0].fields


def test_fields_are_computed_once_and_kept() -> None:
    ev = event(rec(eventName="GetObject"))
    first = ev.fields
    assert first is ev.fields  # kept, not promoted again
    ev.raw["eventName"] = "changed"  # type: ignore[index]
    assert ev.fields["eventName"] == "GetObject"


def test_missing_and_null_stay_distinct() -> None:
    ev = event(
        rec(
            errorCode=None,
            userIdentity={
                "type": "IAMUser",
                "accountId": None,
                "sessionContext": {
                    "sessionIssuer": {"arn": None},
                    "attributes": {"creationDate": "x"},
                },
            },
        )
    )
    f = ev.fields
    assert "errorCode" in f and f["errorCode"] is None
    assert "errorMessage" not in f and "awsRegion" not in f
    assert "userIdentity.accountId" in f and f["userIdentity.accountId"] is None
    assert "userIdentity.arn" not in f
    assert cloudtrail.ISSUER_ARN in f and f[cloudtrail.ISSUER_ARN] is None
    assert cloudtrail.MFA_AUTHENTICATED not in f
    assert f == {
        "eventID": "e1",
        "eventTime": T,
        "errorCode": None,
        "userIdentity.type": "IAMUser",
        "userIdentity.accountId": None,
        cloudtrail.ISSUER_ARN: None,
    }


def test_nested_values_that_are_not_objects_are_not_promoted() -> None:
    assert event(rec(userIdentity="root")).fields == {"eventID": "e1", "eventTime": T}
    odd = rec(userIdentity={"sessionContext": {"sessionIssuer": [1], "attributes": "x"}})
    assert event(odd).fields == {"eventID": "e1", "eventTime": T}


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=3), st.lists(st.none(), max_size=1)
)
_CONTEXT = st.fixed_dictionaries(
    {},
    optional={
        "sessionIssuer": st.one_of(
            _VALUES, st.dictionaries(st.sampled_from(["arn", "x"]), _VALUES)
        ),
        "attributes": st.one_of(
            _VALUES, st.dictionaries(st.sampled_from(["mfaAuthenticated", "x"]), _VALUES)
        ),
    },
)
_IDENTITY = st.dictionaries(
    st.sampled_from(["type", "arn", "accountId", "userName", "invokedBy", "other"]), _VALUES
).flatmap(lambda i: st.one_of(st.just(i), _CONTEXT.map(lambda c: {**i, "sessionContext": c})))
_RECORD = st.dictionaries(
    st.sampled_from([*cloudtrail.TOP_FIELDS[:6], "recipientAccountId", "errorCode", "extra"]),
    _VALUES,
).flatmap(
    lambda top: st.one_of(
        st.just(top),
        st.one_of(_IDENTITY, _VALUES).map(lambda i: {**top, "userIdentity": i}),
    )
)


@given(_RECORD)
def test_lazy_fields_equal_eager_promotion(r: dict[str, Any]) -> None:
    full = {**r, "eventID": "k", "eventTime": T}
    ev = event(full)
    assert ev.fields == promote(full) == expected_fields(full)
    assert list(ev.fields) == list(promote(full))  # the same key order too


def test_event_stays_frozen() -> None:
    ev = event(rec())
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.fields = {}  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.key = "other"  # type: ignore[misc]
    assert not promoted_yet(ev)  # the refused assignment stored nothing


def test_equals_the_eager_event_both_ways() -> None:
    r = rec(eventName="ConsoleLogin", awsRegion="eu-west-1")
    lazy = event(r)
    t = datetime(2024, 3, 15, 12, 10, tzinfo=UTC)
    eager = Event("cloudtrail", t, "e1", promote(r), r)
    assert lazy == eager and eager == lazy
    assert lazy != Event("cloudtrail", t, "e1", {}, r)
    assert lazy != Event("cloudtrail", t, "e2", promote(r), r)
    assert lazy == event(dict(r))
    assert lazy != event({**r, "eventName": "Other"})
    assert lazy != "e1"


def test_copy_pickle_and_replace_keep_the_values() -> None:
    lazy = event(rec(eventName="X"))
    for clone in (copy.copy(lazy), copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert type(clone) is CloudTrailEvent
        assert clone == lazy and clone.fields == {"eventID": "e1", "eventTime": T, "eventName": "X"}
    moved = dataclasses.replace(lazy, key="other")
    assert moved.key == "other" and moved.fields == lazy.fields and moved.raw is lazy.raw
    given_fields = CloudTrailEvent("cloudtrail", lazy.time, "k", {"a": 1}, lazy.raw)
    assert given_fields.fields == {"a": 1}  # the full constructor keeps the fields it is given


def test_bad_records_are_counted_at_their_index(tmp_path: Path) -> None:
    records: list[Any] = [
        rec(1),
        5,
        rec(2, eventTime="2024-03-15T12:10:01Z"),  # a time not seen before: the general path
        {"eventID": 3, "eventTime": T},
        rec(4),
        rec(5, eventTime="not a time"),
        rec(6, eventTime="2024-03-15T12:10:02"),  # no time zone
        rec(7),
        {"eventTime": T},
    ]
    (tmp_path / "t.json.gz").write_bytes(gzip.compress(orjson.dumps({"Records": records})))
    stats = SourceStats()
    events = list(read_events(str(tmp_path), stats=stats))
    assert [e.key for e in events] == ["e1", "e2", "e4", "e7"]
    assert [e.time.second for e in events] == [0, 1, 0, 0]
    assert stats.problems == [
        Problem("t.json.gz#1", "not a JSON object: int"),
        Problem("t.json.gz#3", "no eventID"),
        Problem("t.json.gz#5", "bad eventTime: 'not a time'"),
        Problem("t.json.gz#6", "bad eventTime: '2024-03-15T12:10:02'"),
        Problem("t.json.gz#8", "no eventID"),
    ]
    assert stats.unparseable == 5
    assert stats.events["cloudtrail"] == 4
    assert stats.files == 1


def test_a_records_list_document_and_a_single_record() -> None:
    stats = SourceStats()
    both = cloudtrail.document_events(orjson.dumps([rec(1), None, rec(2)]), "f", stats)
    assert [e.key for e in both] == ["e1", "e2"]
    one = cloudtrail.document_events(orjson.dumps(rec(3)), "g", stats)
    assert [e.key for e in one] == ["e3"]
    assert stats.problems == [Problem("f#1", "not a JSON object: NoneType")]
    assert stats.events["cloudtrail"] == 3


def meta(r: dict[str, Any]) -> tuple[str, str]:
    m = event_meta(event({**r, "eventID": "k", "eventTime": T}))
    return m.account, m.region


def test_event_meta_account_from_recipient_or_identity() -> None:
    assert meta({"recipientAccountId": "111", "userIdentity": {"accountId": "222"}}) == ("111", "")
    assert meta({"userIdentity": {"accountId": "222"}}) == ("222", "")
    assert meta({"recipientAccountId": "", "userIdentity": {"accountId": "222"}}) == ("222", "")
    assert meta({"recipientAccountId": None, "userIdentity": {"accountId": "222"}}) == ("222", "")
    assert meta({"recipientAccountId": None, "userIdentity": {"accountId": None}}) == ("", "")
    assert meta({"userIdentity": "222"}) == ("", "")
    assert meta({"userIdentity": {"accountId": ""}}) == ("", "")
    assert meta({"recipientAccountId": 0, "userIdentity": {"accountId": "222"}}) == ("0", "")
    assert meta({"recipientAccountId": False}) == ("False", "")
    assert meta({"awsRegion": "eu-west-1"}) == ("", "eu-west-1")
    assert meta({"awsRegion": ""}) == ("", "")
    assert meta({"awsRegion": None}) == ("", "")


def test_event_meta_reads_raw_without_promoting() -> None:
    ev = event(rec(recipientAccountId="111", awsRegion="us-east-1"))
    m = event_meta(ev)
    assert type(m) is EventMeta
    assert m == EventMeta("cloudtrail", ev.time, "111", "us-east-1")
    assert (m.kind, m.time, m.account, m.region) == ("cloudtrail", ev.time, "111", "us-east-1")
    assert not promoted_yet(ev)


@given(_RECORD)
def test_event_meta_from_raw_equals_meta_from_promoted_fields(r: dict[str, Any]) -> None:
    full = {**r, "eventID": "k", "eventTime": T}
    lazy = event(full)
    # raw as text: event_meta falls back to the promoted fields, the rule it had before
    from_fields = Event("cloudtrail", lazy.time, "k", promote(full), "line")
    assert event_meta(lazy) == event_meta(from_fields)
