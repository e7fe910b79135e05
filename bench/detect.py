"""Detection throughput: orjson parse (the floor) vs the batch and streaming engines.

Generates ``--events`` CloudTrail records (default 1,000,000) with
:mod:`cloudwarden.detect.corpus` into a temporary folder as S3-delivered ``.json.gz`` files,
then measures in one run, on the same files:

* **parse**: read + gunzip + ``orjson.loads`` of each file, touching ``Records`` (the floor),
  plain and with the garbage collector paused as the reader does (the lower is the floor);
* **detect, batch**: what ``cloudwarden detect run --engine batch`` does -- the product's
  path end to end, alerts included: ``run_detection(engine="batch")`` as it runs (one
  single-threaded DuckDB worker process per core, see
  :mod:`~cloudwarden.detect.engines.sql_pool`), and the same
  :class:`~cloudwarden.detect.correlate.Detector` call (``process_files``) on a connection
  of this process on one thread (``scan_connection(1)``: the one-core figure). DuckDB reads the files,
  matches the rules and returns the grouping texts; Python turns the hits into alerts
  (thresholds, dedup) while DuckDB scans the next files;
* **detect, stream**: ``run_detection(engine="stream")`` end to end: ``read_events`` +
  :class:`~cloudwarden.detect.engines.stream.StreamEngine` + thresholds and dedup;
* the raw engines, hits only: :class:`~cloudwarden.detect.engines.sql_files.SqlFileScan`
  (all rules and the 57-rule SigmaHQ set alone, as the product runs it and with
  ``threads=1``; all rules also in one process on DuckDB's default threads, as the engine
  ran before it used worker processes) and ``read_events`` + ``StreamEngine``;
* **naive**: every compiled rule on every event, on a 50,000-event sample.

"All rules" is the SigmaHQ CloudTrail set plus the built-in native CloudTrail rules (the
raw engines run the ones SQL compiles; the end-to-end lines run all of them). CPU is
``time.process_time`` (all threads of this process) plus the CPU of its worker processes
(``RUSAGE_CHILDREN``, counted once they end); with ``threads=1`` the batch engine's
work is one DuckDB thread and Python's, overlapped in time but summed in CPU time: the
one-core figure. Timings of a shared machine are noisy: read the ratios, which come from
one run.

The targets are the issue's, as it words them: the *engines* -- "DuckDB can read and match
57 rules at about the rate orjson parses alone", "a naive loop of every rule over every
event reaches about 6,000" -- so the target lines are the raw engines': the batch scan with
all rules on every core within 1.5x the parse time (wall), the streaming
engine (reading, parsing, matching) on one core at 50,000 events/s where the naive loop
makes 6,000, judged as the ratio to the naive loop of the same run (this machine's speed
moves by a fifth within minutes; the absolute rate is printed beside it). The end-to-end
lines, with thresholds, dedup and alert records (the one Python stage both engines
share), follow them, held to the same numbers for comparison.

The batch target's ratio is the median of ``--pairs`` (default 3) runs of the parse and
the batch scan back to back, each pair printed, run first, before the table: a parse
timed minutes apart from the scan measures the machine's drift as much as the engine.

    python bench/detect.py [--events N] [--keep DIR] [--pairs K]
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from cloudwarden.detect.alert import Alert
from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.engines.sql_files import SqlFileScan
from cloudwarden.detect.engines.sql_pool import scan_connection
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules import Rule, builtin_sigma_rules, compile_rule
from cloudwarden.detect.run import run_detection
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
    """CPU (this process's and its ended children's: the batch engine's worker processes)
    and wall time of ``fn()``, and its result."""
    cpu, wall = _cpu(), time.perf_counter()
    result = fn()
    return _cpu() - cpu, time.perf_counter() - wall, result


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def parse_only(files: list[Path], loads: Callable[[bytes], Any]) -> int:
    n = 0
    for f in files:
        n += len(loads(gzip.decompress(f.read_bytes()))["Records"])
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=1000)
    ap.add_argument(
        "--pairs", type=int, default=3, help="parse + batch pairs for the batch target's ratio"
    )
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it (or reuse it)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="cw-bench-detect-"))
    try:
        run(args.events, args.per_file, root, args.pairs)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def run(n: int, per_file: int, root: Path, n_pairs: int = 3) -> None:
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
        f"{', '.join(sorted(scan.unsupported)) or '-'}; the raw engines below run the other "
        f"{len(sql_rules)}; {len(scan.routed)} with a python function send the files their "
        f"detection matches to the streaming engine: {', '.join(sorted(scan.routed))})"
    )

    def batch(threads: int | None) -> tuple[int, int]:
        """The raw scan: ``None`` as the product runs it (one single-threaded DuckDB process
        per core), else on a connection of this process with ``threads`` (0: DuckDB's
        default, all cores)."""
        con = None if threads is None else scan_connection(threads or None)
        try:
            return digest(
                (h.rule_id, h.event_id) for h in scan.iter_scan([root], SourceStats(), con)
            )
        finally:
            if con is not None:
                con.close()

    # the target's ratio from pairs of runs back to back, parse then scan, first, while the
    # process holds nothing else: the machine's speed drifts by a fifth or more within
    # minutes, so a parse timed minutes before the scan (the table's) can make the same
    # scan look 1.5 or 2.2 times it. First: run after the table, the pairs' parse was slower
    # than in a fresh process (7.3-8.0 s against 6.2-7.0 s), perhaps from what the process
    # then holds (the naive loop's 50,000 parsed events), which flatters the scan. The
    # median pair
    pairs = []
    for _ in range(n_pairs):
        _, wall_pp, _ = timed(lambda: parse_only(files, loads=loads_bulk))
        _, wall_pb, _ = timed(lambda: batch(None))
        pairs.append((wall_pp, wall_pb))
    paired = statistics.median(b / p for p, b in pairs) if pairs else float("nan")

    rows: list[tuple[str, float, float, int]] = []
    cpu, wall, count = timed(lambda: parse_only(files, loads=orjson.loads))
    assert count == n
    rows.append(("parse (orjson)", cpu, wall, n))
    cpu_p, wall_p, _ = timed(lambda: parse_only(files, loads=loads_bulk))
    rows.append(("parse (orjson, gc paused)", cpu_p, wall_p, n))
    floor_cpu, floor_wall = min(cpu, cpu_p), min(wall, wall_p)

    def detect_batch(threads: int | None) -> tuple[int, int]:
        if threads is None:
            return alert_digest(run_detection([str(root)], rules, engine="batch").alerts)
        con = scan_connection(threads)
        try:
            detector = Detector(rules, "batch")
            assert detector.reads_files
            return alert_digest(detector.process_files([str(root)], SourceStats(), con=con))
        finally:
            con.close()

    cpu_e, wall_e, alerts_b = timed(lambda: detect_batch(None))
    rows.append(("detect, batch (a process per core)", cpu_e, wall_e, n))
    cpu_e1, wall_e1, _ = timed(lambda: detect_batch(1))
    rows.append(("detect, batch (threads=1)", cpu_e1, wall_e1, n))
    cpu_es, wall_es, alerts_s = timed(
        lambda: alert_digest(run_detection([str(root)], rules, engine="stream").alerts)
    )
    rows.append(("detect, stream (1 core)", cpu_es, wall_es, n))

    cpu_b, wall_b, hits_b = timed(lambda: batch(None))
    rows.append(("raw batch scan, hits (a process per core)", cpu_b, wall_b, n))
    cpu_bt, wall_bt, _ = timed(lambda: batch(0))
    rows.append(("raw batch scan, hits (one process, DuckDB threads)", cpu_bt, wall_bt, n))
    cpu_b1, wall_b1, hits_b1 = timed(lambda: batch(1))
    rows.append(("raw batch scan, hits (threads=1)", cpu_b1, wall_b1, n))
    whole = scan
    scan = SqlFileScan(builtin_sigma_rules().rules)  # the 57 rules the issue quotes
    cpu_bs, wall_bs, _ = timed(lambda: batch(None))
    rows.append(("raw batch scan, Sigma set (a process per core)", cpu_bs, wall_bs, n))
    cpu_bs1, wall_bs1, _ = timed(lambda: batch(1))
    rows.append(("raw batch scan, Sigma set (threads=1)", cpu_bs1, wall_bs1, n))
    scan = whole

    engine = StreamEngine(sql_rules)

    def stream() -> tuple[int, int]:
        # what the product's matcher runs per event: the rule indices, no hit object
        ids = [r.id for r in engine.rules]
        events = read_events(str(root), stats=SourceStats())
        return digest((ids[i], ev.key) for ev in events for i in engine.matches(ev.raw))

    cpu_s, wall_s, hits_s = timed(stream)
    rows.append(("raw stream engine, hits (1 core)", cpu_s, wall_s, n))

    sample_n = min(n, 50_000)
    sample = random.Random(2).sample(parse_sample(files, sample_n), sample_n)
    preds = [compile_rule(r) for r in sql_rules]
    cpu_n, wall_n, _ = timed(lambda: sum(1 for e in sample for p in preds if p(e)))
    rows.append((f"naive loop ({sample_n:,} sample)", cpu_n, wall_n, sample_n))

    print(f"\n{'':44s} {'cpu s':>8s} {'wall s':>8s} {'events/s cpu':>13s} {'events/s wall':>14s}")
    for label, c, w, k in rows:
        print(f"{label:44s} {c:8.2f} {w:8.2f} {k / c:13,.0f} {k / w:14,.0f}")
    print(
        f"\nalerts: batch {alerts_b[0]:,}, stream {alerts_s[0]:,}; "
        f"same alerts in the same order: {alerts_b == alerts_s}"
    )
    print(
        f"raw hits: batch {hits_b[0]:,}, stream {hits_s[0]:,} ({hits_s[0] / n:.2f} an event); "
        f"same hits in the same order: {hits_b == hits_s} (batch on one thread too: "
        f"{hits_b1 == hits_b})"
    )
    naive_rate = sample_n / cpu_n
    engine_rate = n / cpu_s
    scan_ratio = paired
    print(
        "\ntargets -- the issue words both on the engines, reading and matching (alerts are "
        "the shared stage after them, below):"
    )
    print(
        f"  batch engine, all rules (DuckDB reads + matches, one process per core), "
        f"wall / parse: {scan_ratio:.2f}, the median of {len(pairs)} pairs run back to back "
        f"({', '.join(f'{b:.1f} s / {p:.1f} s' for p, b in pairs)}; from the table above "
        f"{wall_b / floor_wall:.2f})  (target <= 1.5: {met(scan_ratio <= 1.5)}); "
        f"Sigma set only {wall_bs / floor_wall:.2f}; one process on DuckDB's threads "
        f"{wall_bt / floor_wall:.2f}; one thread, cpu / parse: all rules "
        f"{cpu_b1 / floor_cpu:.2f}, Sigma set {cpu_bs1 / floor_cpu:.2f}"
    )
    print(
        f"  streaming engine, all rules (reads + parses + matches, one core): "
        f"{engine_rate:,.0f} events/s = {engine_rate / naive_rate:.1f}x the naive loop "
        f"(target >= 50,000 events/s where the naive loop makes ~6,000, i.e. >= "
        f"{NAIVE_RATIO:.1f}x the naive loop run here: {met(engine_rate / naive_rate >= NAIVE_RATIO)}; "
        f"as an absolute rate on this machine: {met(engine_rate >= 50_000)})"
    )
    rate = n / cpu_es
    print("end to end, alerts included (thresholds, dedup, alert records):")
    print(
        f"  detect stream: {rate:,.0f} events/s (one core) = {rate / naive_rate:.1f}x the "
        f"naive loop (>= 50,000: {met(rate >= 50_000)}; >= {NAIVE_RATIO:.1f}x: "
        f"{met(rate / naive_rate >= NAIVE_RATIO)})"
    )
    print(
        f"  detect batch: wall / parse {wall_e / floor_wall:.2f} (a process per core), "
        f"cpu / parse {cpu_e1 / floor_cpu:.2f} (threads=1)  (<= 1.5: "
        f"{met(wall_e / floor_wall <= 1.5)}, {met(cpu_e1 / floor_cpu <= 1.5)})"
    )


#: the issue's streaming target against its own yardstick: 50,000 events/s where a naive
#: loop of every rule over every event reaches about 6,000 (machines differ: the ratio is
#: what carries over; the project measures speed against a baseline of the same run)
NAIVE_RATIO = 50_000 / 6_000


def met(ok: bool) -> str:
    return "met" if ok else "not met"


def alert_digest(alerts: Iterable[Alert]) -> tuple[int, int]:
    """Count and order-sensitive hash of alerts (rule, events, group, dedup facts)."""
    return digest(
        (a.rule_id, a.alert_id, str(a.count), str(a.suppressed), a.dedup_key) for a in alerts
    )


def digest(hits: Iterable[tuple[str, ...]]) -> tuple[int, int]:
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
