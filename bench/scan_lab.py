"""Wall time of a full organisation scan of the lab, and its speed-up over a one-thread scan.

The lab's emulator runs in its own process (as ``cloudwarden lab up`` does) so the
scanner's threads are measured, not the emulator sharing their interpreter.
Both scans run in this same process, one after the other, against the same lab:
the ratio is what counts on a noisy machine.

    .venv/bin/python bench/scan_lab.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from cloudwarden.assess import scan
from cloudwarden.aws.session import AwsOptions
from cloudwarden.inventory.collector import ScanScope
from cloudwarden.lab.daemon import start_background, stop_background
from cloudwarden.lab.server import LAB_REGION, lab_environment


def timed_scan(endpoint: str, regions: tuple[str, ...], workers: int) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = scan(
        AwsOptions(endpoint_url=endpoint, region=LAB_REGION),
        ScanScope(regions=regions, organization=True, workers=workers),
    )
    return time.perf_counter() - start, len(result.snapshot.resources), len(result.findings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    state_file = Path(tempfile.mkdtemp()) / "lab.json"
    state = start_background(state_file)
    try:
        os.environ.update(lab_environment(state.endpoint))
        regions = tuple(state.regions)
        timed_scan(state.endpoint, regions, args.workers)  # warm the emulator's backends
        parallel = min(
            timed_scan(state.endpoint, regions, args.workers)[0] for _ in range(args.repeat)
        )
        serial, n_res, n_find = min(
            (timed_scan(state.endpoint, regions, 1) for _ in range(args.repeat)), key=lambda t: t[0]
        )
    finally:
        stop_background(state_file)
    print(
        f"accounts: {len(state.accounts)}  regions: {len(regions)}  resources: {n_res}  findings: {n_find}"
    )
    print(
        f"full organisation scan, {args.workers} threads: {parallel:.2f} s (best of {args.repeat})"
    )
    print(f"same scan, 1 thread:                 {serial:.2f} s")
    print(f"speed-up: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
