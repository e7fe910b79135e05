"""Differential run: cloudwarden's IAM engine against @cloud-copilot/iam-simulate.

    .venv/bin/python dev/oracle/differential.py [--cases 100000] [--seed 7] [--out DIR]

Generates ``--cases`` seeded batch lines (``generate.py``), decides them with
cloudwarden's batch path (``run_batch``) and with the oracle (``oracle.mjs``, run by node
as an outside program: the oracle is AGPL and never a dependency of cloudwarden), then
classifies every disagreement by a known, documented reason (``classify.py``; the reasons
and the AWS documentation that decides each are in ``docs/iam-semantics.md``). Prints a
summary table and both engines' throughput on the same lines; writes the lines and any
unexplained disagreement under ``--out``. Exit status 1 when a disagreement is unexplained.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from census import census, print_census  # noqa: E402
from classify import Classifier  # noqa: E402
from generate import CaseGenerator  # noqa: E402
from universe import NOW  # noqa: E402

from cloudwarden.iam import run_batch  # noqa: E402

FIXED = datetime.fromisoformat(NOW.replace("Z", "+00:00")).astimezone(UTC)
Json = dict[str, Any]


def fixed_clock() -> datetime:
    return FIXED


def generate(cases: int, seed: int) -> list[bytes]:
    gen = CaseGenerator(seed)
    return [orjson.dumps(gen.case(i)) for i in range(cases)]


def run_ours(lines: list[bytes]) -> tuple[list[Json], float]:
    texts = [line.decode() for line in lines]
    out = io.StringIO()
    start = time.process_time()
    run_batch(texts, out, clock=fixed_clock)
    seconds = time.process_time() - start
    return [orjson.loads(x) for x in out.getvalue().splitlines()], seconds


def run_oracle(lines: list[bytes], detail: bool = True) -> tuple[list[Json], Json]:
    """Decide ``lines`` with the oracle; returns its results and its timing line."""
    script = HERE / "oracle.mjs"
    if not (HERE / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        raise SystemExit("oracle not installed: run `npm install` in dev/oracle")
    args = ["node", str(script), *(["--detail"] if detail else [])]
    proc = subprocess.run(
        args, input=b"\n".join(lines) + b"\n", capture_output=True, check=True, cwd=HERE
    )
    results = [orjson.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    timing = orjson.loads(proc.stderr.splitlines()[-1])
    return results, timing


def compare(
    lines: list[bytes], ours: list[Json], oracle: list[Json]
) -> tuple[Counter[str], list[Json]]:
    classifier = Classifier(fixed_clock)
    counts: Counter[str] = Counter()
    unexplained: list[Json] = []
    for raw, mine, theirs in zip(lines, ours, oracle, strict=True):
        if "error" in mine or "error" in theirs:
            counts["input rejected"] += 1
            unexplained.append({"line": orjson.loads(raw), "ours": mine, "oracle": theirs})
            continue
        if mine["decision"] == theirs["decision"]:
            counts["agree"] += 1
            continue
        try:
            reason = classifier.explain(orjson.loads(raw), mine["decision"], theirs)
        except Exception as exc:
            reason = None
            theirs = {**theirs, "classifier_error": repr(exc)}
        counts[reason or "UNEXPLAINED"] += 1
        if reason is None:
            unexplained.append({"line": orjson.loads(raw), "ours": mine, "oracle": theirs})
    return counts, unexplained


def report(counts: Counter[str], total: int, ours_s: float, oracle: Json) -> None:
    """One row per known reason: the cases it explains alone, and the cases it explains
    together with others (each such case counts once in the ``several reasons`` row)."""
    alone: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    several = 0
    for name, n in counts.items():
        if " + " in name:
            several += n
            shared.update({part: n for part in name.split(" + ")})
        elif name not in ("agree", "UNEXPLAINED", "input rejected"):
            alone[name] += n
    disagreements = total - counts["agree"]
    print(f"{'':<58} {'alone':>7} {'with others':>12}")
    for name in sorted(set(alone) | set(shared), key=lambda k: -(alone[k] + shared[k])):
        print(f"  {name:<56} {alone[name]:>7} {shared[name]:>12}")
    print("-" * 80)
    rows = [("cases", total), ("agreements", counts["agree"]), ("disagreements", disagreements),
            ("  explained by one known reason", sum(alone.values())),
            ("  explained by several known reasons together", several),
            ("  input rejected by one engine", counts["input rejected"]),
            ("  UNEXPLAINED", counts["UNEXPLAINED"])]  # fmt: skip
    for label, n in rows:
        print(f"{label:<58} {n:>7} {n / total:>12.3%}")
    ours_rate = total / ours_s if ours_s else 0.0
    theirs = float(oracle.get("per_second", 0.0))
    print(f"\ncloudwarden run_batch: {ours_rate:12,.0f} lines/s (CPU time, one core)")
    print(f"oracle (iam-simulate): {theirs:12,.0f} lines/s (decision loop, one core)")
    if theirs:
        print(f"ratio:                 {ours_rate / theirs:12.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    lines = generate(args.cases, args.seed)
    ours, ours_s = run_ours(lines)
    oracle, timing = run_oracle(lines)
    counts, unexplained = compare(lines, ours, oracle)
    print_census(census(orjson.loads(x) for x in lines), len(lines))
    print()
    report(counts, len(lines), ours_s, timing)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lines.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (args.out / "unexplained.jsonl").write_bytes(
        b"".join(orjson.dumps(u) + b"\n" for u in unexplained)
    )
    print(f"\n{len(unexplained)} unexplained; written to {args.out / 'unexplained.jsonl'}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
