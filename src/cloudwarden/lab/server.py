"""The lab's emulator: moto's server, in this process, on a free 127.0.0.1 port.

Nothing here ever talks to real AWS: the endpoint is always loopback and the
credentials are dummies set only for the lab's own sessions.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

LAB_ACCESS_KEY = "AKIALABLABLABLAB0000"  # moto's default account answers to any key
LAB_SECRET_KEY = "lab-secret-not-a-real-key"
LAB_REGION = "us-east-1"
# The lab organisation works in two regions so that "in every region" checks mean something
# while a full scan stays small.
LAB_REGIONS = ("us-east-1", "eu-west-1")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LabServer:
    port: int
    _server: object | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LabServer:
        from moto.server import ThreadedMotoServer

        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        _quiet_moto()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
            self._server = None

    def reset(self) -> None:
        """Empty the emulator.

        moto keeps its state per process, not per server, so a lab started after another
        one in the same process (tests do this) must begin with a reset. moto's reset
        rebuilds every IAM backend and would load all AWS managed policies into each only
        to throw them away; with that switched off for the reset, it is fast, and
        backends created afterwards load the policies again as usual.
        """
        saved = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"
        try:
            req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
            with urllib.request.urlopen(req, timeout=120):
                pass
        finally:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = saved or "true"


def lab_environment(endpoint: str) -> dict[str, str]:
    """Environment variables that point boto3 at the lab with dummy credentials."""
    return {
        "AWS_ACCESS_KEY_ID": LAB_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LAB_SECRET_KEY,
        "AWS_DEFAULT_REGION": LAB_REGION,
        "AWS_ENDPOINT_URL": endpoint,
    }


def _quiet_moto() -> None:
    """Keep the emulator's own complaints out of the user's terminal.

    A request for a service moto does not emulate (IAM Access Analyzer, which the
    assessment asks for) makes moto print "Unable to find appropriate backend ..." to
    stdout, in the middle of the command's output, and werkzeug log the traceback of the
    failed request to stderr. The client gets an error answer either way and reports it as
    the service not being assessed; the server's side of it is noise.
    """
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    from moto.moto_server import werkzeug_app

    # moto's module calls the builtin print: a module global of that name comes first
    setattr(werkzeug_app, "print", _discard)  # noqa: B010 -- mypy: not a declared attribute


def _discard(*args: object, **kwargs: object) -> None:
    return None


@contextmanager
def running_lab(port: int | None = None) -> Iterator[LabServer]:
    server = LabServer(port or free_port()).start()
    try:
        server.reset()
        yield server
    finally:
        server.stop()
