"""CloudTrail as delivered to S3 (AWSLogs layout, gzip, Records), and as JSON Lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.sources import Event, Problem, SourceStats, read_events

DATA = Path(__file__).parent / "data"
AWSLOGS = DATA / "AWSLogs"
ACCT = "123456789012"
DAY1 = (
    f"123456789012/CloudTrail/us-east-1/2024/03/15/"
    f"{ACCT}_CloudTrail_us-east-1_20240315T1210Z_Ab12Cd34Ef56Gh78.json.gz"
)


def read(spec: Path | str, **kwargs: Any) -> tuple[list[Event], SourceStats]:
    stats = SourceStats()
    return list(read_events(str(spec), stats=stats, **kwargs)), stats


def by_id(events: list[Event]) -> dict[str, Event]:
    return {e.key: e for e in events}


def test_awslogs_folder_is_walked_in_sorted_path_order() -> None:
    events, stats = read(AWSLOGS)
    # sorted paths: CloudTrail/eu-west-1/... comes before CloudTrail/us-east-1/...
    assert [e.fields["eventName"] for e in events] == [
        "AssumeRole",
        "ConsoleLogin",
        "CreateAccessKey",
        "PutBucketTagging",
    ]
    assert stats.events["cloudtrail"] == 4
    assert stats.files == 2


def test_digest_files_are_skipped_and_reported() -> None:
    _, stats = read(AWSLOGS)
    assert len(stats.skipped) == 1
    assert "CloudTrail-Digest" in stats.skipped[0].location
    assert "digest" in stats.skipped[0].reason


def test_record_without_event_id_is_counted_at_its_index() -> None:
    _, stats = read(AWSLOGS)
    assert stats.unparseable == 1
    assert stats.problems == [Problem(f"{DAY1}#3", "no eventID")]


@pytest.mark.parametrize(
    ("event_id", "field", "value"),
    [
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "eventName", "ConsoleLogin"),
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "userIdentity.type", "Root"),
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "userIdentity.accessKeyId", ""),
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "eventType", "AwsConsoleSignIn"),
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "readOnly", False),
        ("3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01", "managementEvent", True),
        ("5b1e7c4a-9c3d-4b2e-8f1a-2b3c4d5e6f02", "userIdentity.userName", "alice"),
        (
            "5b1e7c4a-9c3d-4b2e-8f1a-2b3c4d5e6f02",
            "requestID",
            "0d9c2a3b-1111-4c5d-8e9f-a1b2c3d4e5f6",
        ),
        ("5b1e7c4a-9c3d-4b2e-8f1a-2b3c4d5e6f02", "sourceIPAddress", "203.0.113.10"),
        (
            "8c2d9e1f-3a4b-4c5d-9e6f-7a8b9c0d1e03",
            "userIdentity.sessionContext.sessionIssuer.arn",
            f"arn:aws:iam::{ACCT}:role/deploy",
        ),
        (
            "8c2d9e1f-3a4b-4c5d-9e6f-7a8b9c0d1e03",
            "userIdentity.sessionContext.attributes.mfaAuthenticated",
            "false",
        ),
        (
            "8c2d9e1f-3a4b-4c5d-9e6f-7a8b9c0d1e03",
            "userIdentity.principalId",
            "AROAEXAMPLEDEPLOY:ci",
        ),
        ("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c05", "userIdentity.invokedBy", "ec2.amazonaws.com"),
        ("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c05", "awsRegion", "eu-west-1"),
        ("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c05", "recipientAccountId", ACCT),
        ("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c05", "eventCategory", "Management"),
    ],
)
def test_promoted_fields(event_id: str, field: str, value: object) -> None:
    events, _ = read(AWSLOGS)
    assert by_id(events)[event_id].fields[field] == value


def test_absent_fields_are_not_promoted() -> None:
    events, _ = read(AWSLOGS)
    login = by_id(events)["3fcfb4d5-2f2a-4e0b-9d7b-6a1c2d3e4f01"].fields
    assert "errorCode" not in login
    assert "requestID" not in login
    assert "userIdentity.userName" not in login


def test_time_is_utc_and_key_is_event_id() -> None:
    events, _ = read(AWSLOGS)
    event = by_id(events)["5b1e7c4a-9c3d-4b2e-8f1a-2b3c4d5e6f02"]
    assert event.source == "cloudtrail"
    assert event.time == datetime(2024, 3, 15, 12, 5, tzinfo=UTC)
    assert event.key == event.fields["eventID"]


def test_raw_record_is_kept_intact_including_keys_differing_by_case() -> None:
    events, _ = read(AWSLOGS)
    raw = by_id(events)["8c2d9e1f-3a4b-4c5d-9e6f-7a8b9c0d1e03"].raw
    assert isinstance(raw, dict)
    params = raw["requestParameters"]
    assert params["tagging"] == ""
    assert params["Tagging"]["TagSet"]["Tag"] == {"Key": "env", "Value": "prod"}
    assert raw["resources"][0]["ARN"] == "arn:aws:s3:::prod-data"


def test_single_file_gz_and_pretty_printed_plain() -> None:
    gz, _ = read(AWSLOGS / DAY1)
    plain, _ = read(next((AWSLOGS / ACCT / "CloudTrail" / "eu-west-1").rglob("*.json")))
    assert len(gz) == 3
    assert [e.fields["eventName"] for e in plain] == ["AssumeRole"]


def test_json_lines_with_bad_lines_counted_by_line() -> None:
    events, stats = read(DATA / "trail.jsonl")
    assert [e.fields["eventName"] for e in events] == ["ConsoleLogin", "CreateAccessKey"]
    assert [p.location for p in stats.problems] == ["trail.jsonl:3", "trail.jsonl:4"]
    assert stats.problems[0].reason.startswith("invalid JSON")
    assert stats.problems[1].reason == "bad eventTime: 'yesterday'"
    assert stats.by_reason == {"invalid JSON": 1, "bad eventTime": 1}


def test_json_lines_gz_and_saved_lookup_results(tmp_path: Path) -> None:
    import gzip

    import orjson

    inner = {
        "eventID": "e-1",
        "eventTime": "2024-01-01T00:00:00Z",
        "eventName": "GetCallerIdentity",
    }
    lines = [
        orjson.dumps(inner),
        orjson.dumps(
            {"EventId": "e-2", "CloudTrailEvent": orjson.dumps(inner | {"eventID": "e-2"}).decode()}
        ),
    ]
    path = tmp_path / "events.json.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines)))
    events, stats = read(path)
    assert [e.key for e in events] == ["e-1", "e-2"]
    assert stats.unparseable == 0


def test_truncated_document_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"Records": [{"eventID": "a", "eventTime": "2024-01-01T00:00:00Z"},\n  {"even')
    events, stats = read(path)
    assert events == []
    assert stats.unparseable == 1
    assert stats.problems[0].location == "cut.json"
    assert stats.problems[0].reason.startswith("invalid JSON document")
