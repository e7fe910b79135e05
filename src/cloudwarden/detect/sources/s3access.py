"""Amazon S3 server access log records.

Layout and field order follow "Amazon S3 server access log format"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html): fields are
separated by spaces, the time is in brackets (``[06/Feb/2019:00:00:38 +0000]``), the
request URI, referer and user agent are in double quotes (and may hold spaces), and
``-`` marks a field with no value. AWS appends new fields at the end over time and
says so in the page ("we might add new fields"), so newer fields may be missing from
older logs and unknown trailing fields are kept under ``extra`` rather than rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cloudwarden.detect.sources.model import Event, SourceStats, line_key

FIELDS: tuple[str, ...] = (
    "bucket_owner",
    "bucket",
    "time",
    "remote_ip",
    "requester",
    "request_id",
    "operation",
    "key",
    "request_uri",
    "http_status",
    "error_code",
    "bytes_sent",
    "object_size",
    "total_time",
    "turn_around_time",
    "referer",
    "user_agent",
    "version_id",
    "host_id",
    "signature_version",
    "cipher_suite",
    "authentication_type",
    "host_header",
    "tls_version",
    "access_point_arn",
    "acl_required",
)
INT_FIELDS = frozenset(
    {"http_status", "bytes_sent", "object_size", "total_time", "turn_around_time"}
)
MIN_FIELDS = FIELDS.index("http_status") + 1

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\[([^\]]*)\]|(\S+)')
_START = re.compile(r"\S+ \S+ \[\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def looks_like_access_log(line: str) -> bool:
    return _START.match(line) is not None


def parse_time(text: str) -> datetime:
    """``06/Feb/2019:00:00:38 +0000`` as an aware UTC datetime (locale-independent)."""
    day, month, rest = text.split("/", 2)
    year, hh, mm, tail = rest.split(":", 3)
    ss, offset = tail.split(" ", 1)
    sign = -1 if offset[0] == "-" else 1
    tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    local = datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss), tzinfo=tz)
    return local.astimezone(UTC)


def parse_line(line: str) -> tuple[datetime, dict[str, Any]] | str:
    """The time and present fields of one record, or why it is not a record."""
    values = _tokens(line)
    if len(values) < MIN_FIELDS:
        return f"too few fields: {len(values)} (need at least {MIN_FIELDS})"
    try:
        time = parse_time(values[2])
    except (ValueError, KeyError, IndexError):
        return f"bad time: {values[2][:40]!r}"
    fields: dict[str, Any] = {}
    for name, value in zip(FIELDS, values, strict=False):
        if value == "-" or name == "time":
            continue
        if name in INT_FIELDS:
            try:
                fields[name] = int(value)
            except ValueError:
                return f"not an integer: {name}={value[:40]!r}"
        else:
            fields[name] = value
    fields["time"] = time
    if len(values) > len(FIELDS):
        fields["extra"] = values[len(FIELDS) :]
    return time, fields


def _tokens(line: str) -> list[str]:
    """Field values with their quotes or brackets removed (``"-"`` becomes ``-``, i.e. absent)."""
    out: list[str] = []
    for quoted, bracketed, plain in _TOKEN.findall(line):
        out.append(plain or bracketed or quoted)
    return out


def access_events(lines: Iterable[str], origin: str, stats: SourceStats) -> Iterator[Event]:
    count = 0
    for line_no, raw_line in enumerate(lines, 1):
        line = raw_line.rstrip("\r\n")
        if not line.strip():
            continue
        parsed = parse_line(line)
        if isinstance(parsed, str):
            stats.problem(f"{origin}:{line_no}", parsed)
            continue
        time, fields = parsed
        count += 1
        yield Event("s3access", time, line_key(origin, line_no, line), fields, line)
    stats.events["s3access"] += count
