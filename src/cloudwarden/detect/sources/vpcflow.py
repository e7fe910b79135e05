"""VPC Flow Logs: the default version-2 text format and custom formats named by a header.

Fields and their meaning follow "Flow log records"
(https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): a record
is space-separated, ``-`` marks a field with no value, and ``log-status`` is ``OK``,
``NODATA`` (no traffic in the window) or ``SKIPDATA`` (records skipped during
capture). Files delivered to S3 begin with a header line naming the fields of the
flow log's format exactly as written in the format string (``version vpc-id
subnet-id ...``); lines read without a header use the 14-field default format.
NODATA and SKIPDATA records are kept: a gap in capture is itself evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from cloudwarden.detect.sources.model import Event, SourceStats, line_key

DEFAULT_FIELDS: tuple[str, ...] = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)
INT_FIELDS = frozenset(
    {
        "version",
        "srcport",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "start",
        "end",
        "tcp-flags",
        "traffic-path",
    }
)
KNOWN_FIELDS = frozenset(
    {
        *DEFAULT_FIELDS,
        "vpc-id",
        "subnet-id",
        "instance-id",
        "tcp-flags",
        "type",
        "pkt-srcaddr",
        "pkt-dstaddr",
        "region",
        "az-id",
        "sublocation-type",
        "sublocation-id",
        "pkt-src-aws-service",
        "pkt-dst-aws-service",
        "flow-direction",
        "traffic-path",
        "ecs-cluster-arn",
        "ecs-cluster-name",
        "ecs-container-instance-arn",
        "ecs-container-instance-id",
        "ecs-container-id",
        "ecs-second-container-id",
        "ecs-service-name",
        "ecs-task-definition-arn",
        "ecs-task-arn",
        "ecs-task-id",
        "reject-reason",
        "resource-id",
        "encryption-status",
    }
)
LOG_STATUSES = frozenset({"OK", "NODATA", "SKIPDATA"})


def is_header(line: str) -> bool:
    """A header names fields: every token is a flow-log field name (``version`` among them)."""
    tokens = line.split()
    return bool(tokens) and "version" in tokens and all(t in KNOWN_FIELDS for t in tokens)


def looks_like_default(line: str) -> bool:
    tokens = line.split()
    return (
        len(tokens) == len(DEFAULT_FIELDS)
        and tokens[0].isdigit()
        and tokens[12] in ("ACCEPT", "REJECT", "-")
        and tokens[13] in LOG_STATUSES
    )


def parse_line(line: str, names: tuple[str, ...]) -> dict[str, Any] | str:
    """The present fields of one record (``-`` dropped, counters as ints), or why it is invalid."""
    values = line.split()
    if len(values) != len(names):
        return f"field count: {len(values)} values for {len(names)} fields"
    fields: dict[str, Any] = {}
    for name, value in zip(names, values, strict=True):
        if value == "-":
            continue
        if name in INT_FIELDS:
            try:
                fields[name] = int(value)
            except ValueError:
                return f"not an integer: {name}={value[:40]!r}"
        else:
            fields[name] = value
    status = fields.get("log-status")
    if status is not None and status not in LOG_STATUSES:
        return f"unknown log-status: {status[:20]!r}"
    return fields


def record_time(fields: dict[str, Any]) -> datetime | None:
    """The capture window's ``start`` (Unix seconds, UTC), else its ``end``."""
    seconds = fields.get("start", fields.get("end"))
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def flow_events(lines: Iterable[str], origin: str, stats: SourceStats) -> Iterator[Event]:
    """Events of one flow-log file; a header line (first or repeated) sets the field names."""
    names = DEFAULT_FIELDS
    count = 0
    for line_no, raw_line in enumerate(lines, 1):
        line = raw_line.rstrip("\r\n")
        if not line.strip():
            continue
        if is_header(line):
            names = tuple(line.split())
            continue
        fields = parse_line(line, names)
        if isinstance(fields, str):
            stats.problem(f"{origin}:{line_no}", fields)
            continue
        try:
            time = record_time(fields)
        except (OverflowError, OSError, ValueError):
            time = None
        if time is None:
            stats.problem(f"{origin}:{line_no}", "no start/end time")
            continue
        count += 1
        yield Event("vpcflow", time, line_key(origin, line_no, line), fields, line)
    stats.events["vpcflow"] += count
