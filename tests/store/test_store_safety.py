"""The store under failure: atomic runs, crashes, a second writer, corrupt and foreign files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from cloudwarden.model import Finding, Status
from cloudwarden.store import Store, StoreError
from cloudwarden.store.schema import SCHEMA_VERSION

MakeFinding = Callable[..., Finding]


def counts(store: Store) -> tuple[int, int, int, int]:
    con = store._con
    return tuple(  # type: ignore[return-value]
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
        for t in ("runs", "findings", "finding_state", "status_changes")
    )


def test_an_error_mid_record_leaves_no_partial_run(
    store: Store, new_finding: MakeFinding, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = store.record_run([new_finding("a", Status.FAIL)])
    before = counts(store)

    def explode(*args: object) -> None:
        raise RuntimeError("injected failure after the findings were inserted")

    monkeypatch.setattr(Store, "_update_state", explode)
    with pytest.raises(RuntimeError, match="injected"):
        store.record_run([new_finding("b", Status.FAIL), new_finding("a", Status.PASS)])
    monkeypatch.undo()

    assert counts(store) == before
    assert [r.id for r in store.runs()] == [good]
    assert store.states()[new_finding("a", Status.FAIL).id].status is Status.FAIL
    store.record_run([new_finding("b", Status.FAIL)])  # the store is still usable
    assert len(store.runs()) == 2


CRASH = """
import os, sys
from cloudwarden.model import *
from cloudwarden.store import Store
sys.path.insert(0, {tests!r})
from conftest import make_finding

def die(*args):
    os._exit(17)  # the process dies mid-transaction: no rollback, no close

store = Store.open({path!r})
Store._update_state = die
store.record_run([make_finding("b", Status.FAIL)])
"""


def test_a_crash_mid_record_leaves_earlier_runs_intact(
    db_path: Path, new_finding: MakeFinding
) -> None:
    with Store.open(db_path) as store:
        good = store.record_run([new_finding("a", Status.FAIL)])
    script = CRASH.format(tests=str(Path(__file__).parent), path=str(db_path))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=False)
    assert proc.returncode == 17
    with Store.open(db_path) as store:
        assert [r.id for r in store.runs()] == [good]
        assert counts(store) == (1, 1, 1, 1)


HOLD = """
import sys
from cloudwarden.store import Store
store = Store.open({path!r})
print("open", flush=True)
sys.stdin.readline()
"""


def test_a_second_writer_gets_one_clear_line(db_path: Path) -> None:
    Store.open(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(path=str(db_path))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError) as err:
            Store.open(db_path)
        message = str(err.value)
        assert "in use by another process" in message and f"PID {holder.pid}" in message
        assert "\n" not in message
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.parametrize(
    "content",
    [os.urandom(8192), b"this is a text file, not a database\n" * 100],
    ids=["random-bytes", "text"],
)
def test_a_corrupt_file_is_a_one_line_store_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.duckdb"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a valid cloudwarden store") as err:
        Store.open(path)
    assert "\n" not in str(err.value)


def test_a_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="cannot be migrated"):
        Store.open(path)


def test_opening_again_does_not_migrate_again(db_path: Path, new_finding: MakeFinding) -> None:
    with Store.open(db_path) as store:
        run_id = store.record_run([new_finding("a", Status.FAIL)])
    for _ in range(2):
        with Store.open(db_path) as store:
            assert store.schema_version() == SCHEMA_VERSION
            rows = store._con.execute("SELECT count(*) FROM schema_version").fetchone()
            assert rows == (SCHEMA_VERSION,)
            assert [r.id for r in store.runs()] == [run_id]


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store._con.execute("INSERT INTO schema_version VALUES (99, now()::TIMESTAMP)")
    with pytest.raises(StoreError, match="schema v99, newer than this cloudwarden"):
        Store.open(db_path)
