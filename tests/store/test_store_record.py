"""Recording runs and reading findings back: lossless, filtered, ordered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.model import Area, Finding, Severity, Status
from cloudwarden.store import ENV_VAR, RunMeta, Store, StoreError, default_path, snapshot_meta

MakeFinding = Callable[..., Finding]


def test_findings_round_trip_losslessly(store: Store, new_finding: MakeFinding) -> None:
    findings = [new_finding("a", Status.FAIL), new_finding("b", Status.PASS)]
    run_id = store.record_run(findings)
    assert store.findings(run_id) == findings


def test_runs_are_listed_oldest_first_with_their_metadata(
    store: Store, new_finding: MakeFinding, at: Callable[[int], datetime]
) -> None:
    first = store.record_run([new_finding("a", Status.FAIL)], RunMeta(started_at=at(1)))
    second = store.record_run(
        [],
        RunMeta(
            kind="scan",
            started_at=at(2),
            finished_at=at(3),
            accounts=("123456789012",),
            snapshot={"resources": 3},
        ),
    )
    runs = store.runs()
    assert [r.id for r in runs] == [first, second]
    assert runs[1].started_at == at(2) and runs[1].finished_at == at(3)
    assert runs[1].accounts == ("123456789012",)
    assert runs[1].snapshot == {"resources": 3}
    assert [r.finding_count for r in runs] == [1, 0]
    assert first.startswith("20250101T000000Z-")


def test_findings_default_to_the_latest_run_and_filter(
    store: Store, new_finding: MakeFinding
) -> None:
    store.record_run([new_finding("old", Status.FAIL)])
    store.record_run(
        [
            new_finding("a", Status.FAIL, severity=Severity.CRITICAL),
            new_finding("b", Status.FAIL, area=Area.IDENTITY),
            new_finding("c", Status.PASS),
            new_finding("d", Status.FAIL, account="210987654321"),
        ]
    )
    names = lambda fs: [f.resource_arn.rsplit(":", 1)[-1] for f in fs]  # noqa: E731
    assert names(store.findings()) == ["a", "b", "c", "d"]
    assert names(store.findings(status=Status.FAIL)) == ["a", "b", "d"]
    assert names(store.findings(status="PASS")) == ["c"]
    assert names(store.findings(severity=Severity.CRITICAL)) == ["a"]
    assert names(store.findings(area=Area.IDENTITY)) == ["b"]
    assert names(store.findings(account="210987654321")) == ["d"]


def test_empty_store_has_no_findings(store: Store) -> None:
    assert store.runs() == [] and store.findings() == [] and store.latest_run() is None


def test_unknown_run_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no run 'nope'"):
        store.run("nope")


def test_snapshot_meta_summarises_the_snapshot() -> None:
    snap = Snapshot(accounts=(AccountInfo(id="1", regions=("us-east-1", "eu-west-1")),))
    meta = snapshot_meta(snap)
    assert meta["accounts"] == ["1"]
    assert meta["regions"] == ["eu-west-1", "us-east-1"]
    assert meta["resources"] == 0 and meta["collection_errors"] == 0


def test_default_path_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "x.duckdb"))
    assert default_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv(ENV_VAR)
    assert default_path().name == "cloudwarden.duckdb"


def test_read_only_store_refuses_writes(db_path: Path, new_finding: MakeFinding) -> None:
    Store.open(db_path).close()
    with Store.open(db_path, read_only=True) as ro, pytest.raises(StoreError, match="read-only"):
        ro.record_run([new_finding("a", Status.FAIL)])


def test_read_only_open_of_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store.open(tmp_path / "missing.duckdb", read_only=True)


def test_evidence_values_json_cannot_hold_come_back_as_text(
    store: Store, new_finding: MakeFinding, at: Callable[[int], datetime]
) -> None:
    f = new_finding("a", Status.FAIL).model_copy(update={"evidence": {"when": at(1), 1: "x"}})
    store.record_run([f])
    assert store.findings()[0].evidence == {"when": "2025-01-01T00:00:00+00:00", "1": "x"}
