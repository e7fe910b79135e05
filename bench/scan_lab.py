"""Wall time of a full organisation scan of the lab, and its speed-up over a one-thread scan.

The lab's emulator runs in its own process (as ``cloudwarden lab up`` does) so the
scanner's threads are measured, not the emulator sharing their interpreter.
Both scans run in this same process, one after the other, against the same lab:
the ratio is what counts on a noisy machine.

The emulator answers from one Python process, so against it the speed-up is bounded
by how many calls per second it can serve (printed). Real AWS is bounded by round-trip
latency instead; ``--latency-ms`` adds that delay to every call (a sleep before each
request is sent) to show what the threads buy against a real endpoint.

    .venv/bin/python bench/scan_lab.py [--repeat N] [--latency-ms 40]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from botocore.endpoint import Endpoint

from cloudwarden.assess import scan
from cloudwarden.aws.session import AwsOptions
from cloudwarden.inventory.collector import ScanScope
from cloudwarden.lab.daemon import start_background, stop_background
from cloudwarden.lab.server import LAB_REGION, lab_environment

CALLS = [0]


def instrument(latency_ms: float) -> None:
    """Count every HTTP request botocore sends, and optionally delay it like a WAN would."""
    original = Endpoint._send

    def send(self: Endpoint, request: Any) -> Any:
        CALLS[0] += 1
        if latency_ms:
            time.sleep(latency_ms / 1000)
        return original(self, request)

    Endpoint._send = send  # type: ignore[method-assign]


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
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    instrument(args.latency_ms)
    state_file = Path(tempfile.mkdtemp()) / "lab.json"
    state = start_background(state_file)
    try:
        os.environ.update(lab_environment(state.endpoint))
        regions = tuple(state.regions)
        timed_scan(state.endpoint, regions, args.workers)  # warm the emulator's backends
        CALLS[0] = 0
        timed_scan(state.endpoint, regions, args.workers)
        calls = CALLS[0]
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
    print(f"API calls per scan: {calls}   latency added per call: {args.latency_ms:.0f} ms")
    print(
        f"full organisation scan, {args.workers} threads: {parallel:.2f} s (best of {args.repeat})"
        f" = {calls / parallel:.0f} calls/s"
    )
    print(f"same scan, 1 thread:                 {serial:.2f} s")
    print(f"speed-up: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
