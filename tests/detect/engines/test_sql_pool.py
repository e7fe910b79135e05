"""The file scan over worker processes gives what it gives in one process: the same matched
records in the same order, the same counts, the same files left to Python and why
(:mod:`cloudwarden.detect.engines.sql_pool`)."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.engines import sql_pool
from cloudwarden.detect.engines.sql_files import PythonFile, SqlFileScan
from cloudwarden.detect.engines.sql_pool import balanced_chunks
from cloudwarden.detect.matching import Matcher
from cloudwarden.detect.rules import Match, Rule
from cloudwarden.detect.rules.ir import Dedup
from cloudwarden.detect.sources import SourceStats

duckdb = pytest.importorskip("duckdb")


def rules() -> list[Rule]:
    return [
        Rule(
            "get",
            "t",
            Match("eventName", "equals", ("Get",)),
            dedup=Dedup(("sourceIPAddress",), 60),
        ),
        Rule("put", "t", Match("eventName", "equals", ("Put",))),
        Rule("eu", "t", Match("awsRegion", "equals", ("eu-west-1",))),
    ]


def record(i: int, name: str, **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventID": f"e{i}",
        "eventTime": "2024-05-01T00:00:00Z",
        "eventName": name,
        "awsRegion": "eu-west-1" if i % 3 == 0 else "us-east-1",
        "sourceIPAddress": f"10.0.0.{i % 250}",
        "userIdentity": {"arn": f"arn:aws:iam::1:user/u{i}", "accountId": "1"},
    }
    rec.update(extra)
    return rec


def corpus(root: Path) -> None:
    """Plain, compact, gzip and JSON Lines files, and each kind of file the scan leaves to
    Python: malformed JSON (DuckDB names it), a gzip with trailing bytes (DuckDB does not:
    bisected), an irregular record, not CloudTrail at all."""
    names = ("Get", "Put", "List")
    for i in range(9):
        recs = [record(10 * i + j, names[(i + j) % 3]) for j in range(10)]
        text = json.dumps({"Records": recs}, separators=(",", ":"))
        if i % 3 == 0:
            (root / f"{i}.json.gz").write_bytes(gzip.compress(text.encode()))
        else:
            (root / f"{i}.json").write_text(
                text if i % 3 == 1 else json.dumps({"Records": recs}, indent=1)
            )
    (root / "l.jsonl").write_text(
        "".join(json.dumps(record(100 + j, "Put")) + "\n" for j in range(4))
    )
    (root / "4b.json").write_text('{"Records": [')
    (root / "5b.json.gz").write_bytes(
        gzip.compress(json.dumps({"Records": [record(200, "Get")]}).encode()) + b"\0" * 8
    )
    (root / "6b.json").write_text(
        json.dumps({"Records": [record(300, "Get", eventTime="2024-05-01 00:00:00")]})
    )
    (root / "7b.txt").write_text("not json\n")


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Worker processes for any scan, two of them, two files a query; the workers started."""
    monkeypatch.setattr(sql_pool, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(sql_pool, "CHUNK_FILES", 2)
    monkeypatch.setattr(sql_pool, "scan_workers", lambda: 2)
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = popen(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(sql_pool.subprocess, "Popen", spy)
    return started


def scan_all(root: Path, con: Any = None) -> tuple[list[Any], tuple[Any, ...], dict[str, str]]:
    scan = SqlFileScan(rules(), values=("sourceIPAddress",))
    stats = SourceStats()
    items = list(scan.iter_packed([root], stats, con))
    return items, (stats.files, dict(stats.events), stats.by_reason), scan.fallback_files


def test_workers_give_what_one_process_gives(
    tmp_path: Path, pooled: list[subprocess.Popen[bytes]]
) -> None:
    corpus(tmp_path)
    want = scan_all(tmp_path, duckdb.connect())  # a connection: in this process
    got = scan_all(tmp_path)
    assert sql_pool.last_pool_error == ""
    assert got == want
    items, _, fallback = got
    assert len(items) == 14  # 9 + 1 JSON Lines + 4 left to Python
    # a packed text per document, one per matched JSON Lines row
    assert sum(len(i[1]) for i in items if not isinstance(i, PythonFile)) == 9 + 4
    assert set(fallback) == {"4b.json", "5b.json.gz", "6b.json"}
    assert len(pooled) == 2 and all(p.poll() == 0 for p in pooled)  # ended, cleanly


def test_hits_from_workers_match_one_process(
    tmp_path: Path, pooled: list[subprocess.Popen[bytes]]
) -> None:
    corpus(tmp_path)
    key = lambda h: (h.rule, h.key, tuple(h.meta), dict(h.values))  # noqa: E731
    got = Matcher(rules(), "batch").file_hits([str(tmp_path)], SourceStats())
    assert pooled
    want = Matcher(rules(), "batch").file_hits([str(tmp_path)], SourceStats(), con=duckdb.connect())
    assert [key(h) for h in got] == [key(h) for h in want]


def test_a_pooled_scan_closed_part_way_leaves_no_worker(
    tmp_path: Path, pooled: list[subprocess.Popen[bytes]]
) -> None:
    corpus(tmp_path)
    scan = SqlFileScan(rules())
    items = scan.iter_packed([tmp_path], SourceStats())
    next(items)
    assert len(pooled) == 2 and all(p.poll() is None for p in pooled)
    items.close()
    assert all(p.poll() is not None for p in pooled)


def test_without_worker_processes_the_scan_runs_here(
    tmp_path: Path, pooled: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where processes cannot start, the scan runs in this process and says why."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("no processes here")

    corpus(tmp_path)
    want = scan_all(tmp_path, duckdb.connect())
    monkeypatch.setattr(sql_pool.subprocess, "Popen", refuse)
    assert scan_all(tmp_path) == want
    assert "no processes here" in sql_pool.last_pool_error


def test_a_worker_that_dies_leaves_the_rest_to_this_process(
    tmp_path: Path, pooled: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed part way (out of memory, ...): the chunks from its first unanswered
    one on run here, and the scan's result is whole."""
    corpus(tmp_path)
    want = scan_all(tmp_path, duckdb.connect())
    run = sql_pool._Workers.run

    def kill_after_one(self: Any, runs: Any) -> Any:
        for k, item in enumerate(run(self, runs)):
            yield item
            if k == 0:
                self.procs[1].kill()
                self.procs[1].wait()

    monkeypatch.setattr(sql_pool._Workers, "run", kill_after_one)
    assert scan_all(tmp_path) == want
    assert "stopped" in sql_pool.last_pool_error


def test_a_small_scan_starts_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no worker for a small scan")

    monkeypatch.setattr(sql_pool.subprocess, "Popen", refuse)
    corpus(tmp_path)
    assert scan_all(tmp_path)[0]


def test_balanced_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in file order, a multiple of the workers' count of them, of about one size."""
    files = []
    for i in range(10):
        (tmp_path / f"{i}").write_bytes(b"x" * 100)
        files.append((str(tmp_path / f"{i}"), f"{i}", "doc"))
    monkeypatch.setattr(sql_pool, "CHUNK_BYTES", 250)
    runs = balanced_chunks(files, 2)
    assert [len(r) for r in runs] == [2, 3, 2, 3]  # 1,000 bytes: four runs of 250 or so
    assert [f for r in runs for f in r] == files
    assert [len(r) for r in balanced_chunks(files, 3)] == [2, 1, 2, 2, 1, 2]
    monkeypatch.setattr(sql_pool, "CHUNK_BYTES", 10_000)
    assert [len(r) for r in balanced_chunks(files, 2)] == [5, 5]
    monkeypatch.setattr(sql_pool, "CHUNK_FILES", 2)
    assert [len(r) for r in balanced_chunks(files, 2)] == [2, 2, 1, 2, 2, 1]
    assert balanced_chunks([], 2) == []
    big = [files[0], (str(tmp_path / "missing"), "m", "doc")]  # unreadable: counted as 1 byte
    assert [f for r in balanced_chunks(big, 2) for f in r] == big
