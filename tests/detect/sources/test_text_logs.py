"""VPC Flow Logs (default v2 and header-defined custom formats) and S3 server access logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.sources import Event, SourceStats, line_key, read_events, s3access, vpcflow

DATA = Path(__file__).parent / "data"


def read(spec: Path | str, **kwargs: Any) -> tuple[list[Event], SourceStats]:
    stats = SourceStats()
    return list(read_events(str(spec), stats=stats, **kwargs)), stats


# --- VPC Flow Logs ---------------------------------------------------------------------


def test_default_format_fields_types_and_time() -> None:
    events, _ = read(DATA / "vpcflow-default.log")
    first = events[0]
    assert first.source == "vpcflow"
    assert first.fields == {
        "version": 2,
        "account-id": "123456789012",
        "interface-id": "eni-0a1b2c3d4e5f67890",
        "srcaddr": "203.0.113.12",
        "dstaddr": "10.0.1.25",
        "srcport": 51234,
        "dstport": 22,
        "protocol": 6,
        "packets": 20,
        "bytes": 4249,
        "start": 1710504000,
        "end": 1710504060,
        "action": "REJECT",
        "log-status": "OK",
    }
    assert first.time == datetime(2024, 3, 15, 12, 0, tzinfo=UTC)
    assert str(first.raw).startswith("2 123456789012 eni-0a1b2c3d4e5f67890 203.0.113.12")


@pytest.mark.parametrize(
    ("index", "status", "absent"),
    [
        (2, "NODATA", {"srcaddr", "dstaddr", "srcport", "dstport", "protocol", "action"}),
        (3, "SKIPDATA", {"srcaddr", "packets", "bytes"}),
    ],
)
def test_nodata_and_skipdata_records_are_kept_with_dashes_absent(
    index: int, status: str, absent: set[str]
) -> None:
    events, _ = read(DATA / "vpcflow-default.log")
    event = events[index]
    assert event.fields["log-status"] == status
    assert absent.isdisjoint(event.fields)
    assert event.fields["start"] == 1710504060


def test_bad_flow_lines_are_counted_with_file_and_line() -> None:
    events, stats = read(DATA / "vpcflow-default.log")
    assert len(events) == 4
    assert [(p.location, p.reason) for p in stats.problems] == [
        ("vpcflow-default.log:5", "field count: 9 values for 14 fields"),
        ("vpcflow-default.log:6", "not an integer: dstport='lots'"),
    ]


def test_custom_format_from_header_in_gzip_file() -> None:
    events, stats = read(DATA / "vpcflow-custom.log.gz")
    assert stats.unparseable == 0
    ok, nodata = events
    assert ok.fields["vpc-id"] == "vpc-0123456789abcdef0"
    assert ok.fields["instance-id"] == "i-0123456789abcdef0"
    assert ok.fields["pkt-dst-aws-service"] == "S3"
    assert ok.fields["flow-direction"] == "egress"
    assert ok.fields["tcp-flags"] == 19
    assert ok.fields["traffic-path"] == 8
    assert ok.fields["version"] == 5
    assert nodata.fields == {
        "version": 5,
        "vpc-id": "vpc-0123456789abcdef0",
        "subnet-id": "subnet-0aa11bb22cc33dd44",
        "interface-id": "eni-0b2c3d4e5f6a78901",
        "account-id": "123456789012",
        "start": 1710504060,
        "end": 1710504120,
        "log-status": "NODATA",
    }


def test_flow_keys_are_deterministic_hashes_of_origin_line_and_text() -> None:
    first, _ = read(DATA / "vpcflow-default.log")
    again, _ = read(DATA / "vpcflow-default.log")
    assert [e.key for e in first] == [e.key for e in again]
    assert len({e.key for e in first}) == len(first)
    assert first[0].key == line_key("vpcflow-default.log", 1, str(first[0].raw))


@pytest.mark.parametrize(
    ("line", "is_header", "is_default"),
    [
        (
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
            True,
            False,
        ),
        ("version vpc-id subnet-id instance-id", True, False),
        ("vpc-id subnet-id", False, False),
        ("2 123456789012 eni-1 - - - - - - - 1 2 - NODATA", False, True),
        ("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK", False, True),
        ("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT FINE", False, False),
    ],
)
def test_flow_header_and_default_detection(line: str, is_header: bool, is_default: bool) -> None:
    assert vpcflow.is_header(line) is is_header
    assert vpcflow.looks_like_default(line) is is_default


# --- S3 server access logs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "field", "value"),
    [
        (0, "bucket", "amzn-s3-demo-bucket1"),
        (0, "remote_ip", "192.0.2.3"),
        (0, "operation", "REST.GET.VERSIONING"),
        (0, "request_uri", "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1"),
        (0, "http_status", 200),
        (0, "bytes_sent", 113),
        (0, "total_time", 7),
        (0, "user_agent", "S3Console/0.4"),
        (0, "signature_version", "SigV4"),
        (0, "cipher_suite", "ECDHE-RSA-AES128-GCM-SHA256"),
        (0, "authentication_type", "AuthHeader"),
        (0, "host_header", "amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com"),
        (0, "tls_version", "TLSV1.2"),
        (0, "access_point_arn", "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP"),
        (0, "acl_required", "Yes"),
        (1, "requester", "arn:aws:iam::123456789012:user/alice"),
        (1, "key", "reports/q1%20summary.pdf"),
        (1, "object_size", 1048576),
        (1, "turn_around_time", 12),
        (1, "referer", "https://console.aws.amazon.com/"),
        (
            1,
            "user_agent",
            "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/s3.cp",
        ),
        (2, "error_code", "AccessDenied"),
        (2, "http_status", 403),
        (2, "extra", ["FutureField1", "FutureField2"]),
    ],
)
def test_access_log_fields(index: int, field: str, value: object) -> None:
    events, _ = read(DATA / "s3access.log")
    assert events[index].fields[field] == value


@pytest.mark.parametrize(
    ("index", "absent"),
    [
        (0, {"key", "error_code", "object_size", "turn_around_time", "referer", "version_id"}),
        (1, {"access_point_arn", "acl_required", "extra"}),  # older line: newer fields missing
        (2, {"requester", "cipher_suite", "authentication_type", "tls_version"}),
    ],
)
def test_access_log_dashes_and_missing_newer_fields_are_absent(
    index: int, absent: set[str]
) -> None:
    events, _ = read(DATA / "s3access.log")
    assert absent.isdisjoint(events[index].fields)


def test_access_log_time_is_converted_to_utc() -> None:
    events, _ = read(DATA / "s3access.log")
    assert events[0].time == datetime(2019, 2, 6, 0, 0, 38, tzinfo=UTC)
    assert events[1].time == datetime(2019, 2, 5, 23, 0, 38, tzinfo=UTC)  # +0100
    assert events[0].source == "s3access"
    assert isinstance(events[0].raw, str)
    assert events[0].raw.endswith("example-AP Yes")


def test_bad_access_log_lines_are_counted_with_file_and_line() -> None:
    events, stats = read(DATA / "s3access.log")
    assert len(events) == 3
    assert [(p.location, p.reason.split(":")[0]) for p in stats.problems] == [
        ("s3access.log:4", "too few fields"),
        ("s3access.log:5", "bad time"),
    ]


def test_escaped_quote_inside_user_agent() -> None:
    line = (
        "owner bkt [01/Jan/2024:00:00:00 +0000] 192.0.2.1 - RID REST.GET.OBJECT k "
        '"GET /k HTTP/1.1" 200 - 5 5 1 1 "-" "agent \\"quoted\\" v1" -'
    )
    parsed = s3access.parse_line(line)
    assert not isinstance(parsed, str)
    assert parsed[1]["user_agent"] == 'agent \\"quoted\\" v1'
    assert "version_id" not in parsed[1]
