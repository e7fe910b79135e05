"""``run_detection(..., engine="batch")`` over local folders: DuckDB reads the files itself.

The product's batch path is the one ``bench/detect.py`` measures: CloudTrail files are read
and matched by DuckDB (:class:`~cloudwarden.detect.engines.sql_files.SqlFileScan`), with
the grouping values of thresholds and dedup selected in SQL; other log kinds, irregular
records and the records a ``python:`` rule may match go through the streaming engine. The
alerts are the streaming engine's, alert for alert, threshold and dedup rules included.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.matching import Matcher
from cloudwarden.detect.rules import Rule, builtin_sigma_rules
from cloudwarden.detect.rules.native import builtin_native_rules
from cloudwarden.detect.run import DetectionResult, run_detection

pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def pack() -> list[Rule]:
    return [*builtin_sigma_rules().rules, *builtin_native_rules().rules]


def both(root: Path, rules: list[Rule]) -> tuple[DetectionResult, DetectionResult]:
    return (
        run_detection([str(root)], rules, engine="stream"),
        run_detection([str(root)], rules, engine="batch"),
    )


def same(stream: DetectionResult, batch: DetectionResult) -> None:
    assert [a.to_dict() for a in batch.alerts] == [a.to_dict() for a in stream.alerts]
    s, b = stream.stats, batch.stats
    assert (b.files, b.events, b.unparseable, b.by_reason) == (
        s.files,
        s.events,
        s.unparseable,
        s.by_reason,
    )


def test_batch_over_a_folder_reads_files_with_duckdb(
    pack: list[Rule], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_cloudtrail(tmp_path, generate_records(6_000, seed=5, odd_rate=0.002), per_file=500)
    calls: list[int] = []
    file_hits = Matcher.file_hits

    def spy(self: Matcher, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return file_hits(self, *args, **kwargs)  # type: ignore[arg-type]

    def no_events_path(self: Matcher, events: object) -> object:
        raise AssertionError("the batch engine read a local folder through Python events")

    stream = run_detection([str(tmp_path)], pack, engine="stream")
    monkeypatch.setattr(Matcher, "file_hits", spy)
    monkeypatch.setattr(Matcher, "hits", no_events_path)
    batch = run_detection([str(tmp_path)], pack, engine="batch")
    assert calls == [1]
    same(stream, batch)
    thresholds = {r.id for r in pack if r.threshold is not None}
    # threshold crossings (several events an alert) and dedup suppressions among them
    assert any(a.rule_id in thresholds and a.count > 1 for a in stream.alerts)
    assert any(a.suppressed for a in stream.alerts)


def test_lab_attacks_with_flow_logs_and_python_rules(pack: list[Rule], tmp_path: Path) -> None:
    from cloudwarden.lab.attacks import example_targets, log_files, simulate, write_to_folder

    targets = example_targets()
    write_to_folder(tmp_path, log_files(simulate(targets, seed=7), targets))
    stream, batch = both(tmp_path, pack)
    same(stream, batch)
    assert stream.stats.events["vpcflow"] > 0
    assert len(stream.alerts) > 10


def _trail(folder: Path, records: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trail.json.gz"
    path.write_bytes(gzip.compress(orjson.dumps({"Records": records})))
    return folder


def _rec(i: int, **extra: object) -> dict[str, object]:
    return {
        "eventVersion": "1.08",
        "eventID": f"e-{i:03d}",
        "eventTime": f"2026-11-01T10:{i // 60:02d}:{i % 60:02d}Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "DeleteObject",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.5",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob"},
        **extra,
    }


def test_grouping_values_from_lists_and_objects_are_exact(pack: list[Rule], tmp_path: Path) -> None:
    """``requestParameters.bucketName`` as a list, an object, a number: the SQL hands the
    JSON over and Python computes the text as the streaming engine does."""
    odd: list[object] = [["a", "b"], {"x": 1}, 7, "\x02lead", "plain", None]
    records = [
        _rec(i, requestParameters={"bucketName": odd[i % len(odd)], "key": f"k{i}"})
        for i in range(240)
    ]
    root = _trail(tmp_path / "t", records)
    stream, batch = both(root, pack)
    same(stream, batch)
    groups = {a.group.get("requestParameters.bucketName") for a in stream.alerts}
    assert {"a,b", '{"x":1}', "7", "plain"} <= groups


def test_python_rule_and_ipv6_source_route_their_file(tmp_path: Path) -> None:
    rules = [r for r in builtin_native_rules().rules if r.service in (None, "cloudtrail")]
    policy = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}}]
    }
    records = [
        _rec(
            0,
            eventSource="iam.amazonaws.com",
            eventName="CreateRole",
            requestParameters={"assumeRolePolicyDocument": orjson.dumps(policy).decode()},
        ),
        _rec(
            1,
            sourceIPAddress="fd00::1",
            userIdentity={
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/r/i-0123456789abcdef0",
            },
        ),
    ]
    root = _trail(tmp_path / "t", records)
    detector = Detector(rules, "batch")
    assert detector.reads_files
    stream, batch = both(root, rules)
    same(stream, batch)
    assert "cw-trust-policy-external" in stream.by_rule()
