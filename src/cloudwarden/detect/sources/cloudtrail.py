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
    return Event("cloudtrail", time, event_id, promote(rec), rec)


def records_events(records: Iterable[Any], origin: str, stats: SourceStats) -> Iterator[Event]:
    """Events of a ``Records`` array; a bad record is counted at ``origin#index``."""
    count = 0
    for index, rec in enumerate(records):
        event = to_event(rec)
        if isinstance(event, str):
            stats.problem(f"{origin}#{index}", event)
            continue
        count += 1
        yield event
    stats.events["cloudtrail"] += count


def document_events(data: bytes, origin: str, stats: SourceStats) -> Iterator[Event]:
    """One JSON file: a delivered ``{"Records": [...]}`` document, a list, or JSON Lines."""
    try:
        doc = loads_bulk(data)
    except orjson.JSONDecodeError as exc:
        if _looks_like_lines(data):
            yield from lines_events(data.splitlines(), origin, stats)
        else:
            stats.problem(origin, f"invalid JSON document: {exc}")
        return
    if type(doc) is dict and "Records" in doc:
        records = doc["Records"]
        if type(records) is not list:
            stats.problem(origin, "Records is not a list")
            return
        yield from records_events(records, origin, stats)
    elif type(doc) is list:
        yield from records_events(doc, origin, stats)
    else:
        yield from records_events([doc], origin, stats)


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
