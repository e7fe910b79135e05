"""The normalised event record, the per-read statistics and the one error of the sources.

An :class:`Event` is deliberately a frozen, slotted dataclass rather than a pydantic
model: a month of CloudTrail is millions of records and per-record validation would
cost more than parsing the JSON. Nothing is copied: ``raw`` is the very dict orjson
decoded (CloudTrail) or the original text line (VPC Flow Logs, S3 access logs).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SourceKind = Literal["cloudtrail", "vpcflow", "s3access"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("cloudtrail", "vpcflow", "s3access")
#: Sigma ``logsource.service`` (or a native ``logsource``) -> the event kind it describes
SERVICE_KINDS: dict[str, SourceKind] = {
    "cloudtrail": "cloudtrail",
    "vpcflow": "vpcflow",
    "vpc_flow": "vpcflow",
    "vpcflowlogs": "vpcflow",
    "s3access": "s3access",
    "s3_access": "s3access",
    "s3": "s3access",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One log record, normalised.

    ``fields`` holds the promoted fields, *only those present in the record* (a flow-log
    ``-`` or a CloudTrail key that is not there is absent, so "missing" and "null" stay
    distinct, as Sigma requires). Nested CloudTrail fields are promoted under their
    dotted path, e.g. ``userIdentity.arn``. ``key`` is stable across runs: CloudTrail's
    ``eventID``; for text logs :func:`line_key`.

    CloudTrail events as read are :class:`~cloudwarden.detect.sources.cloudtrail.CloudTrailEvent`,
    which promote ``fields`` from ``raw`` on first access rather than for every record.
    """

    source: SourceKind
    time: datetime
    key: str
    fields: dict[str, Any]
    raw: dict[str, Any] | str

    def __eq__(self, other: object) -> bool:
        # Written out rather than generated because the generated one only compares
        # instances of the very same class: a CloudTrail event as read (a subclass whose
        # ``fields`` are computed on first use) must still equal an ``Event`` built with the
        # same five values.
        if not isinstance(other, Event):
            return NotImplemented
        return (self.source, self.time, self.key, self.fields, self.raw) == (
            other.source,
            other.time,
            other.key,
            other.fields,
            other.raw,
        )


def line_key(origin: str, line_no: int, line: str) -> str:
    """Stable key of a text-log record: BLAKE2b-128 of ``"<origin>:<line_no>\\n<line>"``.

    ``origin`` is the file's path relative to the folder that was read (the file name
    when one file was given) or the S3 object key, and ``line_no`` is 1-based. Flow-log
    and access-log lines carry no id of their own and identical lines are legitimate
    (two identical aggregated flows), so the position is part of the identity; keys are
    therefore the same on every read of the same delivered files.
    """
    data = f"{origin}:{line_no}\n{line}".encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """A record or file that could not be used, and where it is (``file:line`` or ``file#index``)."""

    location: str
    reason: str


@dataclass
class SourceStats:
    """What a read saw: events yielded per kind, files read or skipped, unparseable records.

    Every unparseable record is counted (``unparseable``, ``by_reason``); the first
    ``max_problems`` are kept with their location so a report can show them without a
    corrupt multi-gigabyte file exhausting memory.
    """

    files: int = 0
    events: Counter[str] = field(default_factory=Counter)
    unparseable: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    max_problems: int = 1000
    #: the real paths of the local files read (or being read) into these stats: one run
    #: reads all its sources into one SourceStats, so a file met again (a source given
    #: twice, or one inside another) is skipped, not read twice
    read_paths: set[str] = field(default_factory=set, repr=False, compare=False)

    def problem(self, location: str, reason: str) -> None:
        self.unparseable += 1
        self.by_reason[reason.split(":", 1)[0]] += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(location, reason))

    def skip(self, location: str, reason: str) -> None:
        """A whole file deliberately not read (e.g. a CloudTrail digest file)."""
        self.skipped.append(Problem(location, reason))

    @property
    def total_events(self) -> int:
        return sum(self.events.values())


class SourceError(Exception):
    """A source that cannot be read at all: missing path, denied listing, bad spec (one line)."""
