"""``read_events`` dispatch: s3:// through the AWS layer (moto), LookupEvents (Stubber), errors."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect.sources import Event, SourceError, SourceStats, read_events

DATA = Path(__file__).parent / "data"
BUCKET = "org-trail-logs"


def read(spec: Path | str, **kwargs: Any) -> tuple[list[Event], SourceStats]:
    stats = SourceStats()
    return list(read_events(str(spec), stats=stats, **kwargs)), stats


def context() -> AwsContext:
    return AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        ctx = context()
        s3 = ctx.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for path in sorted((DATA / "AWSLogs").rglob("*.json*")):
            key = "AWSLogs/" + path.relative_to(DATA / "AWSLogs").as_posix()
            s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
        s3.put_object(
            Bucket=BUCKET,
            Key="flow/2024/03/15/f.log.gz",
            Body=(DATA / "vpcflow-custom.log.gz").read_bytes(),
        )
        yield ctx


def test_s3_prefix_reads_delivered_cloudtrail_and_skips_digests(aws: AwsContext) -> None:
    events, stats = read(f"s3://{BUCKET}/AWSLogs/", aws=aws)
    assert [e.fields["eventName"] for e in events] == [
        "AssumeRole",
        "ConsoleLogin",
        "CreateAccessKey",
        "PutBucketTagging",
    ]
    assert len(stats.skipped) == 1
    assert stats.skipped[0].location.startswith(
        f"s3://{BUCKET}/AWSLogs/123456789012/CloudTrail-Digest/"
    )
    assert stats.problems[0].location.startswith(
        f"s3://{BUCKET}/AWSLogs/123456789012/CloudTrail/us-east-1/"
    )
    assert stats.problems[0].location.endswith("#3")


def test_s3_listing_is_paginated(aws: AwsContext) -> None:
    s3 = aws.client("s3")
    record = {"eventID": "", "eventTime": "2024-03-15T00:00:00Z", "eventName": "ListBuckets"}
    for i in range(1005):  # ListObjectsV2 returns at most 1000 keys a page
        body = gzip.compress(orjson.dumps({"Records": [record | {"eventID": f"id-{i:04d}"}]}))
        s3.put_object(Bucket=BUCKET, Key=f"many/{i:04d}.json.gz", Body=body)
    events, stats = read(f"s3://{BUCKET}/many/", aws=aws)
    assert len(events) == 1005
    assert events[-1].key == "id-1004"
    assert stats.files == 1005


def test_s3_prefix_detects_flow_logs(aws: AwsContext) -> None:
    events, _ = read(f"s3://{BUCKET}/flow/", aws=aws)
    assert {e.source for e in events} == {"vpcflow"}
    assert len(events) == 2


def test_missing_bucket_is_one_line_source_error(aws: AwsContext) -> None:
    with pytest.raises(
        SourceError, match=r"^s3://no-such-bucket/x: cannot list objects: NoSuchBucket"
    ):
        read("s3://no-such-bucket/x", aws=aws)


def test_denied_listing_is_one_line_source_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context()
    client = boto3.client("s3", region_name="us-east-1")
    monkeypatch.setattr(ctx, "client", lambda service, region=None: client)
    with Stubber(client) as stub:
        stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)
        with pytest.raises(SourceError) as info:
            read(f"s3://{BUCKET}/AWSLogs/", aws=ctx)
    message = str(info.value)
    assert message == f"s3://{BUCKET}/AWSLogs/: cannot list objects: AccessDenied: Access Denied"
    assert "\n" not in message


def _lookup_item(event_id: str, name: str) -> dict[str, Any]:
    record = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "userName": "alice",
            "arn": "arn:aws:iam::123456789012:user/alice",
        },
        "eventTime": "2024-03-15T12:00:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": name,
        "eventID": event_id,
    }
    return {
        "EventId": event_id,
        "EventName": name,
        "CloudTrailEvent": orjson.dumps(record).decode(),
    }


def test_lookup_events_follows_pagination(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context()
    client = boto3.client("cloudtrail", region_name="eu-west-1")
    calls: list[tuple[str, str | None]] = []

    def fake_client(service: str, region: str | None = None) -> Any:
        calls.append((service, region))
        return client

    monkeypatch.setattr(ctx, "client", fake_client)
    start = datetime(2024, 3, 15, tzinfo=UTC)
    end = datetime(2024, 3, 16, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "lookup_events",
            {
                "Events": [
                    _lookup_item("e-1", "CreateUser"),
                    _lookup_item("e-2", "AttachUserPolicy"),
                ],
                "NextToken": "page-2",
            },
            {"StartTime": start, "EndTime": end},
        )
        stub.add_response(
            "lookup_events",
            {
                "Events": [
                    {"EventId": "e-3", "CloudTrailEvent": "{not json"},
                    _lookup_item("e-4", "DeleteUser"),
                ]
            },
            {"StartTime": start, "EndTime": end, "NextToken": "page-2"},
        )
        events, stats = read(
            "cloudtrail:lookup_events?region=eu-west-1&start=2024-03-15T00:00:00Z&end=2024-03-16T00:00:00Z",
            aws=ctx,
        )
        stub.assert_no_pending_responses()
    assert calls == [("cloudtrail", "eu-west-1")]
    assert [e.key for e in events] == ["e-1", "e-2", "e-4"]
    assert events[0].fields["userIdentity.userName"] == "alice"
    assert stats.problems[0].location == "cloudtrail:lookup_events[eu-west-1]#2"
    assert stats.events["cloudtrail"] == 3


def test_lookup_events_failure_is_one_line_source_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context()
    client = boto3.client("cloudtrail", region_name="us-east-1")
    monkeypatch.setattr(ctx, "client", lambda service, region=None: client)
    with Stubber(client) as stub:
        stub.add_client_error("lookup_events", "AccessDeniedException", "not authorized", 400)
        with pytest.raises(
            SourceError, match=r"^cloudtrail:lookup_events\[us-east-1\]: AccessDeniedException"
        ):
            read("cloudtrail:lookup_events", aws=ctx)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cloudtrail:lookup_events?colour=red", "unknown parameter 'colour'"),
        ("cloudtrail:lookup_events?start=last-week", "not an ISO 8601 time"),
        ("cloudtrail:lookup_events?start=2024-03-15T00:00:00", "time needs a zone"),
    ],
)
def test_bad_lookup_specs(spec: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read(spec, aws=context())


def test_missing_path_is_one_line_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read(tmp_path / "nope")
    assert str(info.value) == f"{tmp_path / 'nope'}: no such file or folder"


def test_mixed_folder_detects_each_file_kind() -> None:
    events, stats = read(DATA)
    kinds = {e.source for e in events}
    assert kinds == {"cloudtrail", "vpcflow", "s3access"}
    assert stats.events == {"cloudtrail": 6, "vpcflow": 6, "s3access": 3}


def test_unrecognised_file_is_a_counted_problem_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello world\n")
    (tmp_path / "a.log").write_bytes((DATA / "vpcflow-default.log").read_bytes())
    events, stats = read(tmp_path)
    assert len(events) == 4
    assert any(
        p.location == "notes.txt" and p.reason.startswith("unrecognised format")
        for p in stats.problems
    )


def test_corrupt_gzip_is_a_counted_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    events, stats = read(tmp_path)
    assert events == []
    assert stats.problems[0].location == "bad.json.gz"
    assert stats.problems[0].reason.startswith("unreadable file")


def test_kind_override_forces_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text(
        "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1710504000 1710504060 ACCEPT OK\n"
    )
    flow, _ = read(path)
    forced, stats = read(path, kind="s3access")
    assert [e.source for e in flow] == ["vpcflow"]
    assert forced == []
    assert stats.problems[0].location == "odd.txt:1"


def test_unknown_kind_override_is_rejected() -> None:
    with pytest.raises(SourceError, match="unknown log kind"):
        read(DATA, kind="syslog")
