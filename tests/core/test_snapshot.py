"""The snapshot file: round trip, atomic save, and one-line errors for anything else."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from cloudwarden.inventory.snapshot import Snapshot, SnapshotError, merge
from cloudwarden.testing import collection_error, make_resource, make_snapshot


def sample() -> Snapshot:
    return make_snapshot(
        [make_resource("AWS::S3::Bucket", "arn:aws:s3:::b1", {"Name": "b1"}, region="global")],
        errors=[collection_error("AWS::KMS::Key", region="eu-west-1")],
    )


def test_round_trip(tmp_path: Path) -> None:
    snap = sample()
    path = snap.save(tmp_path / "s.json.gz")
    assert Snapshot.load(path) == snap
    assert Snapshot.load(path).of_type("AWS::S3::Bucket")[0].data == {"Name": "b1"}


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    sample().save(tmp_path / "s.json.gz")
    assert [p.name for p in tmp_path.iterdir()] == ["s.json.gz"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b\x08garbage", "corrupt"),
        (b"not json at all", "corrupt"),
        (gzip.compress(orjson.dumps({"hello": 1})), "format tag"),
        (gzip.compress(orjson.dumps({"format": "cloudwarden-snapshot", "version": 99})), "newer"),
        (
            gzip.compress(
                orjson.dumps({"format": "cloudwarden-snapshot", "version": 1, "accounts": 3})
            ),
            "invalid snapshot at accounts",
        ),
    ],
    ids=["gzip-garbage", "not-json", "foreign-json", "newer-version", "invalid-field"],
)
def test_bad_files_give_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(content)
    with pytest.raises(SnapshotError, match=message) as info:
        Snapshot.load(path)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="not found"):
        Snapshot.load(tmp_path / "nope.gz")


def test_missing_reports_collection_errors() -> None:
    snap = sample()
    assert snap.missing("AWS::KMS::Key", "123456789012", "eu-west-1") is not None
    assert snap.missing("AWS::KMS::Key", "123456789012", "us-east-1") is None


def test_merge_keeps_every_account() -> None:
    a = make_snapshot(accounts=["111111111111"])
    b = make_snapshot(accounts=["222222222222"])
    assert [x.id for x in merge([a, b]).accounts] == ["111111111111", "222222222222"]
