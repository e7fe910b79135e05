"""``cloudwarden lab up`` in the background: a detached process that serves the seeded lab.

The state file (JSON: pid, endpoint, accounts) is written only once the lab is
seeded, so ``lab status`` never reports a half-built lab as ready.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from cloudwarden.lab.build import build_lab
from cloudwarden.lab.server import LabServer, free_port, lab_environment


class LabError(Exception):
    """The lab could not be started, found or stopped."""


def default_state_file() -> Path:
    return Path(platformdirs.user_runtime_dir("cloudwarden", ensure_exists=True)) / "lab.json"


@dataclass(frozen=True)
class LabState:
    pid: int
    endpoint: str
    accounts: dict[str, str]
    regions: list[str]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2)


def read_state(path: Path) -> LabState | None:
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
        return LabState(**doc)
    except (OSError, ValueError, TypeError):
        return None


def is_alive(state: LabState) -> bool:
    try:
        os.kill(state.pid, 0)
    except OSError:
        return False
    # a TCP connect, not an API call: moto's data dump would try to reach docker for Lambda
    host, _, port = state.endpoint.removeprefix("http://").partition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def start_background(state_file: Path, timeout: float = 120.0) -> LabState:
    current = read_state(state_file)
    if current and is_alive(current):
        return current
    try:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.unlink(missing_ok=True)
    except OSError as exc:
        raise LabError(f"cannot use state file {state_file}: {exc.strerror}") from None
    log = state_file.with_suffix(".log")
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "cloudwarden.lab.daemon", str(state_file)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(state_file)
        if state and is_alive(state):
            return state
        if child.poll() is not None:
            raise LabError(f"the lab process exited with code {child.returncode} (see {log})")
        time.sleep(0.2)
    raise LabError(f"the lab did not come up within {timeout:.0f}s (see {log})")


def stop_background(state_file: Path) -> bool:
    state = read_state(state_file)
    state_file.unlink(missing_ok=True)
    if state is None:
        return False
    try:
        os.kill(state.pid, signal.SIGTERM)
    except OSError:
        return False
    return True


def serve(state_file: Path) -> None:
    """Entry point of the background process."""
    server = LabServer(free_port()).start()
    os.environ.update(lab_environment(server.endpoint))
    env = build_lab(server.endpoint)
    state = LabState(os.getpid(), server.endpoint, env.accounts, list(env.regions))
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(state.to_json())
    os.replace(tmp, state_file)

    def shutdown(*_: object) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
