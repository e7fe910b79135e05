"""Detection throughput: orjson parse (the floor) vs the batch and streaming engines.

Generates ``--events`` CloudTrail records (default 1,000,000) with
:mod:`cloudwarden.detect.corpus` into a temporary folder as S3-delivered ``.json.gz`` files,
then measures in one run, on the same files:

* **parse**: read + gunzip + ``orjson.loads`` of each file, touching ``Records`` (the floor),
  plain and with the garbage collector paused as the reader does (the lower is the floor);
* **batch**: :class:`~cloudwarden.detect.engines.sql_files.SqlFileScan` over the folder --
  DuckDB reads, projects and matches -- with DuckDB's default threads and with
  ``SET threads=1``;
* **stream**: ``read_events`` + :class:`~cloudwarden.detect.engines.stream.StreamEngine`;
* **naive**: every compiled rule on every event, on a 50,000-event sample.

"All rules" is the SigmaHQ CloudTrail set plus the built-in native CloudTrail rules. CPU is
``time.process_time`` (all threads of this one process); with ``threads=1`` the batch engine
runs on one core, so its CPU time is the one-core figure. Timings of a shared machine are
noisy: read the ratios, which come from one run.

    python bench/detect.py [--events N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.engines.sql_files import SqlFileScan
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules import Rule, builtin_sigma_rules, compile_rule
from cloudwarden.detect.sources import SourceStats, read_events
from cloudwarden.detect.sources.cloudtrail import loads_bulk


def all_rules() -> list[Rule]:
    rules = list(builtin_sigma_rules().rules)
    try:
        from cloudwarden.detect.rules.native import builtin_native_rules
    except ImportError:  # the native rule pack is optional here
        return rules
    return rules + [r for r in builtin_native_rules().rules if r.service in (None, "cloudtrail")]


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def parse_only(files: list[Path], loads: Callable[[bytes], Any]) -> int:
    n = 0
    for f in files:
        n += len(loads(gzip.decompress(f.read_bytes()))["Records"])
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=1000)
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it (or reuse it)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cw-bench-detect-"))
    try:
        run(args.events, args.per_file, root)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def run(n: int, per_file: int, root: Path) -> None:
    t0 = time.perf_counter()
    files = sorted(root.rglob("*.json.gz"))
    how = "reused"
    if len(files) * per_file != n:  # --keep DIR of an earlier run is reused
        shutil.rmtree(root, ignore_errors=True)
        written = write_cloudtrail(root, generate_records(n, seed=1), per_file=per_file)
        files = [w.path for w in written]
        how = "written"
    size = sum(f.stat().st_size for f in files)
    print(
        f"corpus: {n:,} events in {len(files):,} gz files ({size / 1e6:.0f} MB), "
        f"{how} in {time.perf_counter() - t0:.0f}s"
    )
    rules = all_rules()
    scan = SqlFileScan(rules)
    sql_rules = [r for r in rules if r.id not in scan.unsupported]
    print(
        f"rules: {len(rules)} ({len(scan.unsupported)} not compiled to SQL: "
        f"{', '.join(sorted(scan.unsupported))}; both engines below run the other "
        f"{len(sql_rules)})"
    )

    rows: list[tuple[str, float, float, int]] = []
    cpu, wall, count = timed(lambda: parse_only(files, loads=orjson.loads))
    assert count == n
    rows.append(("parse (orjson)", cpu, wall, n))
    cpu_p, wall_p, _ = timed(lambda: parse_only(files, loads=loads_bulk))
    rows.append(("parse (orjson, gc paused)", cpu_p, wall_p, n))
    floor_cpu, floor_wall = min(cpu, cpu_p), min(wall, wall_p)

    def batch(threads: int | None) -> tuple[int, int]:
        con = duckdb.connect()
        if threads:
            con.execute(f"SET threads={threads}")
        try:
            return digest(
                (h.rule_id, h.event_id) for h in scan.iter_scan([root], SourceStats(), con)
            )
        finally:
            con.close()

    cpu_b, wall_b, hits_b = timed(lambda: batch(None))
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()
    rows.append((f"batch (DuckDB, {threads[0] if threads else '?'} threads)", cpu_b, wall_b, n))
    cpu_b1, wall_b1, _ = timed(lambda: batch(1))
    rows.append(("batch (DuckDB, threads=1)", cpu_b1, wall_b1, n))
    whole = scan
    scan = SqlFileScan(builtin_sigma_rules().rules)  # the 57 rules the issue quotes
    cpu_bs, wall_bs, _ = timed(lambda: batch(1))
    rows.append(("batch, Sigma set only (threads=1)", cpu_bs, wall_bs, n))
    scan = whole

    engine = StreamEngine(sql_rules)

    def stream() -> tuple[int, int]:
        events = read_events(str(root), stats=SourceStats())
        return digest((h.rule.id, h.event_id or "") for h in engine.run(events))

    cpu_s, wall_s, hits_s = timed(stream)
    rows.append(("stream (1 core)", cpu_s, wall_s, n))

    sample_n = min(n, 50_000)
    sample = random.Random(2).sample(parse_sample(files, sample_n), sample_n)
    preds = [compile_rule(r) for r in sql_rules]
    cpu_n, wall_n, _ = timed(lambda: sum(1 for e in sample for p in preds if p(e)))
    rows.append((f"naive loop ({sample_n:,} sample)", cpu_n, wall_n, sample_n))

    print(f"\n{'':34s} {'cpu s':>8s} {'wall s':>8s} {'events/s cpu':>13s} {'events/s wall':>14s}")
    for label, c, w, k in rows:
        print(f"{label:34s} {c:8.2f} {w:8.2f} {k / c:13,.0f} {k / w:14,.0f}")
    agree = hits_b == hits_s
    print(
        f"\nhits: batch {hits_b[0]:,}, stream {hits_s[0]:,}; same hits in the same order: {agree}"
    )
    print(
        f"batch / parse, one core (threads=1 cpu / floor cpu): {cpu_b1 / floor_cpu:.2f}  (target <= 1.5)"
    )
    print(f"batch / parse, wall (default threads / floor wall):  {wall_b / floor_wall:.2f}")
    print(f"batch / parse, Sigma set only (threads=1 cpu):       {cpu_bs / floor_cpu:.2f}")
    print(
        f"stream events/s (cpu, one core): {n / cpu_s:,.0f}  (target >= 50,000); "
        f"{(n / cpu_s) / (sample_n / cpu_n):.1f}x the naive loop"
    )


def digest(hits: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """Count and an order-sensitive hash of a hit sequence (1M events give ~2M hits, too
    many to keep); Python's own string hash, so both engines' sequences compare in one run."""
    acc, n = 0, 0
    for hit in hits:
        acc = (acc * 1_000_003 ^ hash(hit)) & 0xFFFF_FFFF_FFFF_FFFF
        n += 1
    return n, acc


def parse_sample(files: list[Path], k: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in files:
        out.extend(orjson.loads(gzip.decompress(f.read_bytes()))["Records"])
        if len(out) >= k:
            break
    return out[:k]


if __name__ == "__main__":
    main()
