"""A webhook receiver on 127.0.0.1: records what alert sinks POST, fails on demand.

For testing a delivery pipeline without a real endpoint: ``with webhook_server() as hook``
gives ``hook.url`` to hand to a ``webhook:`` or ``slack:`` sink; set ``hook.fail = N`` (and
``hook.status``) to have the next N requests refused, as a flaky receiver would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

__all__ = ["Receiver", "down_url", "webhook_server"]


@dataclass
class Receiver:
    """What the server got; ``fail`` answers the next N requests with ``status`` instead."""

    url: str = ""
    bodies: list[Any] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    fail: int = 0
    status: int = 500
    requests: int = 0

    @property
    def alerts(self) -> list[Any]:
        """Every alert received, webhook arrays flattened."""
        out: list[Any] = []
        for body in self.bodies:
            out.extend(body if isinstance(body, list) else [body])
        return out


@contextmanager
def webhook_server(port: int = 0) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (``port`` 0: any free port) until the block ends."""
    receiver = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.requests += 1
                failing = receiver.fail > 0
                if failing:
                    receiver.fail -= 1
                else:
                    receiver.bodies.append(orjson.loads(body))
                    receiver.paths.append(self.path)
            self.send_response(receiver.status if failing else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook/secret-token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def down_url() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
