"""The respond journal: its tables come with the store's migrations, and it only grows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudwarden.respond.journal import Journal, RunInfo, run_status
from cloudwarden.store import Store
from cloudwarden.store.schema import MIGRATIONS, SCHEMA_VERSION


def info(run_id: str = "ir-1", key: str = "alert:a1") -> RunInfo:
    return RunInfo(
        run_id=run_id,
        playbook="s3-public-bucket",
        incident_key=key,
        trigger_kind="alert",
        trigger_id=key.split(":")[1],
        mode="auto",
        started_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
        context={"alert": {"alert_id": "a1"}, "region": "us-east-1"},
    )


def test_journal_tables_are_a_store_migration(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
        tables = {r[0] for r in store.query("SELECT table_name FROM information_schema.tables")}
        assert {"respond_runs", "respond_journal", "alerts"} <= tables


def test_entries_are_numbered_in_order_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        journal = Journal(store)
        journal.start_run(info(), "started")
        journal.append(
            "ir-1",
            "intent",
            step="block",
            action="s3.block_public_access",
            phase="contain",
            message="block",
            data={"plan": {"noop": False}},
        )
        journal.append("ir-1", "done", step="block", data={"result": {"after": {"x": 1}}})
    with Store.open(path, read_only=True) as store:
        journal = Journal(store)
        entries = journal.entries("ir-1")
        assert [(e.seq, e.kind) for e in entries] == [
            (1, "run-started"),
            (2, "intent"),
            (3, "done"),
        ]
        assert entries[1].data == {"plan": {"noop": False}}
        assert entries[2].data["result"]["after"] == {"x": 1}
        stored = journal.run("ir-1")
        assert stored is not None and stored.context["region"] == "us-east-1"
        assert journal.runs("alert:a1", "s3-public-bucket")[0].run_id == "ir-1"
        assert journal.runs("alert:other") == []


def test_runs_are_numbered_independently(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        journal = Journal(store)
        journal.start_run(info("ir-1"), "one")
        journal.start_run(info("ir-2", "alert:a2"), "two")
        journal.append("ir-2", "paused", data={"status": "awaiting-approval"})
        assert [e.seq for e in journal.entries("ir-2")] == [1, 2]
        assert [e.seq for e in journal.entries("ir-1")] == [1]


def test_a_run_id_is_started_once(tmp_path: Path) -> None:
    from cloudwarden.store import StoreError

    with Store.open(tmp_path / "s.duckdb") as store:
        journal = Journal(store)
        journal.start_run(info(), "started")
        with pytest.raises(StoreError):
            journal.start_run(info(), "again")
        # the failed start wrote nothing: the row and its entry are one transaction
        assert len(journal.entries("ir-1")) == 1


def test_unknown_entry_kinds_are_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store, pytest.raises(ValueError):
        Journal(store).append("ir-1", "half-done")


@pytest.mark.parametrize(
    ("kinds", "status"),
    [
        (["run-started", "intent"], "interrupted"),  # killed mid-step
        (["run-started", "awaiting-approval", "paused"], "awaiting-approval"),
        (["run-started", "paused", "run-resumed", "done"], "interrupted"),
        (["run-started", "done", "run-finished"], "done"),
        (["run-started", "done", "run-finished", "rollback-started"], "interrupted"),
        (["run-started", "run-finished", "rollback-started", "rollback-finished"], "rolled-back"),
    ],
)
def test_status_is_read_from_the_entries(tmp_path: Path, kinds: list[str], status: str) -> None:
    settled = {
        "paused": "awaiting-approval",
        "run-finished": "done",
        "rollback-finished": "rolled-back",
    }
    with Store.open(tmp_path / "s.duckdb") as store:
        journal = Journal(store)
        journal.start_run(info(), "started")
        for kind in kinds[1:]:
            data = {"status": settled[kind]} if kind in settled else {}
            journal.append("ir-1", kind, data=data)
        assert run_status(journal.entries("ir-1")) == status
