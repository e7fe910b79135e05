"""CloudTrail records: the S3-delivered ``{"Records": [...]}`` document and JSON Lines.

Record fields follow "CloudTrail record contents for management, data, and network
activity events" (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
and "CloudTrail userIdentity element"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
Files delivered to S3 hold one JSON object with a ``Records`` array
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).

JSON is decoded by orjson and never through a schema: real trails contain keys that
differ only by case (``Tagging``/``tagging`` in ``requestParameters``), which schema
inference rejects and which orjson keeps as distinct keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson

from cloudwarden.detect.sources.model import Event, SourceStats
from cloudwarden.gcpause import collections_paused

TOP_FIELDS: tuple[str, ...] = (
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventID",
    "eventType",
    "readOnly",
    "recipientAccountId",
    "managementEvent",
    "eventCategory",
)
IDENTITY_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (name, f"userIdentity.{name}")
    for name in ("type", "arn", "accountId", "principalId", "userName", "accessKeyId", "invokedBy")
)
ISSUER_ARN = "userIdentity.sessionContext.sessionIssuer.arn"
MFA_AUTHENTICATED = "userIdentity.sessionContext.attributes.mfaAuthenticated"

_time_cache: dict[str, datetime] = {}


def parse_time(text: str) -> datetime:
    """``eventTime`` (ISO 8601, always UTC with ``Z``) as an aware datetime; cached per second."""
    cached = _time_cache.get(text)
    if cached is None:
        cached = datetime.fromisoformat(text)
        if cached.tzinfo is None:
            raise ValueError(f"eventTime without a time zone: {text!r}")
        if len(_time_cache) > 100_000:
            _time_cache.clear()
        _time_cache[text] = cached
    return cached


_TOP_SET = frozenset(TOP_FIELDS)
_IDENTITY_NAMES = dict(IDENTITY_FIELDS)


def promote(rec: dict[str, Any]) -> dict[str, Any]:
    """The ~20 top-level and identity fields rules filter on, flat, for typed columns."""
    top = _TOP_SET
    fields = {k: v for k, v in rec.items() if k in top}
    ident = rec.get("userIdentity")
    if type(ident) is dict:
        names = _IDENTITY_NAMES
        fields.update({names[k]: v for k, v in ident.items() if k in names})
        ctx = ident.get("sessionContext")
        if type(ctx) is dict:
            issuer = ctx.get("sessionIssuer")
            if type(issuer) is dict and "arn" in issuer:
                fields[ISSUER_ARN] = issuer["arn"]
            attrs = ctx.get("attributes")
            if type(attrs) is dict and "mfaAuthenticated" in attrs:
                fields[MFA_AUTHENTICATED] = attrs["mfaAuthenticated"]
    return fields


# Event is a slotted dataclass: these are the descriptors of its slots. Setting them
# directly builds a frozen event in about a third of the time its generated __init__ takes
# (that one goes through object.__setattr__ per field), which matters at one per record.
_SLOTS: Any = Event.__dict__
_get_fields = _SLOTS["fields"].__get__
_set_fields = _SLOTS["fields"].__set__
_set_source = _SLOTS["source"].__set__
_set_time = _SLOTS["time"].__set__
_set_key = _SLOTS["key"].__set__
_set_raw = _SLOTS["raw"].__set__
_new = object.__new__


class CloudTrailEvent(Event):
    """A CloudTrail :class:`Event` whose ``fields`` are promoted from ``raw`` when first read.

    The matching engines read ``raw``; promoting every record up front cost more than
    decoding it, for a mapping hardly anything looked at. The promoted mapping is kept in
    ``Event``'s own slot, so a second access is a lookup and the event stays frozen. It is
    computed from ``raw`` as it is at that moment: ``raw`` must not be changed (nothing
    does; it is the record as decoded). Built by the reader through :func:`lazy_event`; the
    inherited constructor (all five values) also works, and keeps the ``fields`` given.
    """

    __slots__ = ()

    @property
    def fields(self) -> dict[str, Any]:
        try:
            return _get_fields(self)  # type: ignore[no-any-return]
        except AttributeError:  # not yet promoted
            fields = promote(self.raw)  # type: ignore[arg-type]  # dict: see lazy_event
            _set_fields(self, fields)
            return fields

    @fields.setter
    def fields(self, value: dict[str, Any]) -> None:
        # only reached through object.__setattr__ (the dataclass __init__, copy, pickle):
        # plain assignment is refused by the frozen __setattr__ first
        _set_fields(self, value)


def lazy_event(time: datetime, key: str, rec: dict[str, Any]) -> CloudTrailEvent:
    """The event of a valid record, ``fields`` left to be promoted when first read."""
    event = _new(CloudTrailEvent)
    _set_source(event, "cloudtrail")
    _set_time(event, time)
    _set_key(event, key)
    _set_raw(event, rec)
    return event


def to_event(rec: Any) -> Event | str:
    """The event for one decoded record, or the reason it cannot be one."""
    if type(rec) is not dict:
        return f"not a JSON object: {type(rec).__name__}"
    event_id = rec.get("eventID")
    if type(event_id) is not str:
        return "no eventID"
    when = rec.get("eventTime")
    if type(when) is not str:
        return "no eventTime"
    try:
        time = parse_time(when)
    except ValueError:
        return f"bad eventTime: {when[:40]!r}"
    return lazy_event(time, event_id, rec)


def records_events(records: list[Any], origin: str, stats: SourceStats) -> list[Event]:
    """Events of a ``Records`` array, in order; a bad record is counted at ``origin#index``.

    One plain loop per array rather than a generator resumed per record, with the common
    case inline: a dict whose ``eventID`` is a string and whose ``eventTime`` was seen before
    (the time cache holds it). Anything else takes :func:`to_event`, which parses the time
    or names what is wrong. A file's records are all decoded at once anyway, so the list
    adds only the small event objects.
    """
    events: list[Event] = []
    append = events.append
    cached_time = _time_cache.get  # parse_time clears this dict, never replaces it
    new, cls = _new, CloudTrailEvent
    set_source, set_time, set_key, set_raw = _set_source, _set_time, _set_key, _set_raw
    bad = 0
    for rec in records:
        if type(rec) is dict:
            key = rec.get("eventID")
            when = rec.get("eventTime")
            if type(key) is str and type(when) is str:
                time = cached_time(when)
                if time is not None:
                    event = new(cls)  # lazy_event, inlined
                    set_source(event, "cloudtrail")
                    set_time(event, time)
                    set_key(event, key)
                    set_raw(event, rec)
                    append(event)
                    continue
        made = to_event(rec)
        if isinstance(made, str):
            # records before this one are either events or counted problems
            stats.problem(f"{origin}#{len(events) + bad}", made)
            bad += 1
        else:
            append(made)
    stats.events["cloudtrail"] += len(events)
    return events


def document_events(data: bytes, origin: str, stats: SourceStats) -> Iterable[Event]:
    """One JSON file: a delivered ``{"Records": [...]}`` document, a list, or JSON Lines.

    A document's events come as a list (its records are decoded already); JSON Lines stay
    a generator, decoding a line at a time, so a large export is never held decoded whole.
    """
    try:
        doc = loads_bulk(data)
    except orjson.JSONDecodeError as exc:
        if _looks_like_lines(data):
            return lines_events(data.splitlines(), origin, stats)
        stats.problem(origin, f"invalid JSON document: {exc}")
        return ()
    if type(doc) is dict and "Records" in doc:
        records = doc["Records"]
        if type(records) is not list:
            stats.problem(origin, "Records is not a list")
            return ()
        return records_events(records, origin, stats)
    if type(doc) is list:
        return records_events(doc, origin, stats)
    return records_events([doc], origin, stats)


def loads_bulk(data: bytes) -> Any:
    """``orjson.loads`` with the cyclic garbage collector paused.

    A delivered file decodes into tens of thousands of dicts at once; each few hundred
    allocations would otherwise start a collection that walks them all again (decoded JSON
    holds no cycles), which costs about a third of the decode time.
    """
    with collections_paused():
        return orjson.loads(data)


def _looks_like_lines(data: bytes) -> bool:
    first = data.lstrip().split(b"\n", 1)[0]
    try:
        return type(orjson.loads(first)) is dict
    except orjson.JSONDecodeError:
        return False


def lines_events(lines: Iterable[bytes], origin: str, stats: SourceStats) -> Iterator[Event]:
    """JSON Lines: one record per line (blank lines ignored); a bad line counted at ``origin:line``."""
    count = 0
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            stats.problem(f"{origin}:{line_no}", f"invalid JSON: {exc}")
            continue
        if type(rec) is dict and type(rec.get("CloudTrailEvent")) is str:
            rec = _unwrap_lookup(rec)  # a saved LookupEvents result
        event = to_event(rec)
        if isinstance(event, str):
            stats.problem(f"{origin}:{line_no}", event)
            continue
        count += 1
        yield event
    stats.events["cloudtrail"] += count


def _unwrap_lookup(item: dict[str, Any]) -> Any:
    try:
        return orjson.loads(item["CloudTrailEvent"])
    except orjson.JSONDecodeError:
        return item


def is_digest(doc_head: bytes) -> bool:
    """A CloudTrail digest file (integrity validation) holds hashes, not events."""
    return b'"digestStartTime"' in doc_head or b'"digestS3Object"' in doc_head
