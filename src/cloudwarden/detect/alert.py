"""The alert record: one rule hit, threshold crossing or deduplicated group, JSON both ways.

Sinks, the store and ``detect watch`` code against :meth:`Alert.to_dict`'s keys; the
``alert_id`` is a hash of the rule id and the matched events' keys, so the same alert from
the same events has the same id on every run and on either engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from cloudwarden.detect.sources import Event
from cloudwarden.model import Severity

__all__ = ["Alert", "EventMeta", "alert_id", "event_meta", "severity_of"]


def severity_of(level: str) -> Severity:
    """A Sigma ``level`` / native ``severity`` as a cloudwarden severity (unknown: medium)."""
    try:
        return Severity.parse(level or "medium")
    except ValueError:
        return Severity.MEDIUM


def alert_id(rule_id: str, event_keys: Sequence[str]) -> str:
    """Stable id: BLAKE2b-128 of the rule id and the event keys, in order."""
    data = "\n".join((rule_id, *event_keys)).encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class EventMeta(NamedTuple):
    """What an alert tells about the events it names, taken once per event (a named tuple:
    one per matched event, built several times faster than a frozen dataclass)."""

    kind: str
    time: datetime
    account: str
    region: str


def _first_str(fields: Mapping[str, Any], *names: str) -> str:
    for name in names:
        v = fields.get(name)
        if v is not None and v != "":
            return str(v)
    return ""


_new_meta = tuple.__new__


def event_meta(event: Event) -> EventMeta:
    raw = event.raw
    if event.source == "cloudtrail" and type(raw) is dict:
        # Straight from the record: a CloudTrail event as read promotes its ``fields`` only
        # when something reads them, and an alert needs two values, not all twenty. The
        # result is what the promoted fields give (the test is _first_str's, inlined: this
        # runs for every matching event): ``userIdentity.accountId`` is promoted only when
        # ``userIdentity`` is an object, and an absent, null or empty
        # ``recipientAccountId`` falls through to it.
        account = raw.get("recipientAccountId")
        if not (account is not None and account != ""):
            ident = raw.get("userIdentity")
            account = ident.get("accountId") if type(ident) is dict else None
        region = raw.get("awsRegion")
        # built as the tuple it is: the named tuple's own __new__ is one more Python call
        return _new_meta(
            EventMeta,
            (
                "cloudtrail",
                event.time,
                str(account) if account is not None and account != "" else "",
                str(region) if region is not None and region != "" else "",
            ),
        )
    f = event.fields
    if event.source == "cloudtrail":
        account = _first_str(f, "recipientAccountId", "userIdentity.accountId")
        region = _first_str(f, "awsRegion")
    else:
        account = _first_str(f, "account-id", "account", "bucket_owner")
        region = _first_str(f, "region")
    return EventMeta(event.source, event.time, account, region)


@dataclass(slots=True, unsafe_hash=True)
class Alert:
    """A rule's alert: the rule's metadata, the events that raised it, threshold and dedup facts.

    ``event_id`` / ``event_time`` are those of the first event (``event_ids[0]``);
    ``group`` holds the threshold's ``by`` values, ``dedup_key`` the dedup ``by`` values and
    ``suppressed`` how many later alerts with that key were suppressed while this one stood.

    Treat it as immutable. It is not a frozen dataclass only because a frozen one's
    ``__init__`` sets each of its 27 fields through ``object.__setattr__``: 2.6 times the
    construction cost (measured 9.6 vs 3.7 us), and a broad rule raises an alert for every
    other event. It hashes on its fields as a frozen one would.
    """

    rule_id: str
    title: str
    severity: Severity
    attack: tuple[str, ...]
    tags: tuple[str, ...]
    event_id: str
    event_kind: str
    event_time: datetime
    account: str
    region: str
    rule_origin: str
    author: str = ""
    rule_source: str = ""
    license: str = ""
    rule_set_url: str = ""
    alert_id: str = ""
    event_ids: tuple[str, ...] = ()
    first_time: datetime | None = None
    last_time: datetime | None = None
    count: int = 1
    group: dict[str, str] = field(default_factory=dict, hash=False)
    dedup_key: str = ""
    suppressed: int = 0
    runbook: str = ""
    playbook: str = ""
    description: str = ""
    #: fields of the first event that playbooks take parameters from (``CONTEXT_FIELDS``;
    #: only for rules that suggest a playbook, only the fields present)
    context: dict[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        first = self.first_time or self.event_time
        last = self.last_time or first
        return {
            "alert_id": self.alert_id or alert_id(self.rule_id, self.event_ids or (self.event_id,)),
            "rule_id": self.rule_id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity.value,
            "attack": list(self.attack),
            "tags": list(self.tags),
            "event_id": self.event_id,
            "event_ids": list(self.event_ids or (self.event_id,)),
            "event_kind": self.event_kind,
            "event_time": self.event_time.isoformat(),
            "first_time": first.isoformat(),
            "last_time": last.isoformat(),
            "account": self.account,
            "region": self.region,
            "count": self.count,
            "group": dict(self.group),
            "dedup_key": self.dedup_key,
            "suppressed": self.suppressed,
            "runbook": self.runbook,
            "playbook": self.playbook,
            "context": dict(self.context),
            "rule_origin": self.rule_origin,
            "author": self.author,
            "rule_source": self.rule_source,
            "license": self.license,
            "rule_set_url": self.rule_set_url,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        """The alert :meth:`to_dict` wrote (missing newer keys take their defaults)."""
        event_time = datetime.fromisoformat(str(data["event_time"]))

        def when(key: str) -> datetime:
            v = data.get(key)
            return datetime.fromisoformat(str(v)) if v else event_time

        event_ids = tuple(str(e) for e in data.get("event_ids") or (data["event_id"],))
        return cls(
            rule_id=str(data["rule_id"]),
            title=str(data.get("title", "")),
            severity=Severity(str(data.get("severity", "medium"))),
            attack=tuple(data.get("attack") or ()),
            tags=tuple(data.get("tags") or ()),
            event_id=str(data["event_id"]),
            event_kind=str(data.get("event_kind", "")),
            event_time=event_time,
            account=str(data.get("account", "")),
            region=str(data.get("region", "")),
            rule_origin=str(data.get("rule_origin", "")),
            author=str(data.get("author", "")),
            rule_source=str(data.get("rule_source", "")),
            license=str(data.get("license", "")),
            rule_set_url=str(data.get("rule_set_url", "")),
            alert_id=str(data.get("alert_id") or alert_id(str(data["rule_id"]), event_ids)),
            event_ids=event_ids,
            first_time=when("first_time"),
            last_time=when("last_time"),
            count=int(data.get("count", len(event_ids))),
            group={str(k): str(v) for k, v in (data.get("group") or {}).items()},
            dedup_key=str(data.get("dedup_key", "")),
            suppressed=int(data.get("suppressed", 0)),
            runbook=str(data.get("runbook", "")),
            playbook=str(data.get("playbook", "")),
            description=str(data.get("description", "")),
            context={str(k): str(v) for k, v in (data.get("context") or {}).items()},
        )
