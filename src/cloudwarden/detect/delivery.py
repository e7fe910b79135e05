"""Deliver alerts to every sink, retrying, and spool what still fails: no alert is lost.

:class:`Router` sends each batch to each sink with a few attempts and exponential backoff.
Alerts a sink still refuses are appended to that sink's **spool** (JSON Lines, one file per
sink, in the spool folder); the next :meth:`Router.deliver` — or :meth:`Router.flush`,
behind ``cloudwarden detect flush`` — first re-sends the spool, in order, and only then the
new batch. A spool is removed only after the sink accepted everything in it.

**At least once.** A crash after a sink accepted a batch and before its spool file was
removed sends that batch again next time; so does a sink that accepted part of a batch
and then failed without saying which part (a webhook that timed out after processing the
request). Repeats carry the same ``alert_id``: receivers and the store deduplicate on it.

**Claiming.** Before re-sending, a spool is renamed to a unique ``….claimed`` file; new
failures go to a fresh spool meanwhile. So a second process appending to the spool while
the first is re-sending cannot have its alerts deleted with the re-sent ones, and a crash
mid-resend leaves a claimed file that the next flush picks up. Two processes flushing the
same spool at once may both send a claimed file (a repeat, not a loss).

Spool files are named by a hash of the sink's ``spec`` (a webhook URL can be a secret, and
is not a file name); beside each, ``<id>.sink`` records the spec so that ``detect flush``
can rebuild the sink. Both are created readable by the owner only.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from cloudwarden.detect.sinks import Sink, SinkError, append_lines

__all__ = ["DeliveryReport", "Router", "SpoolError", "default_spool_dir", "spooled_specs"]

AlertDict = Mapping[str, Any]
SPOOL_ENV = "CLOUDWARDEN_SPOOL"


class SpoolError(Exception):
    """The spool folder cannot be written or read; the message is one line."""


def default_spool_dir() -> Path:
    """``$CLOUDWARDEN_SPOOL`` if set, else ``spool`` in the user's data folder."""
    env = os.environ.get(SPOOL_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("cloudwarden")) / "spool"


def spool_id(spec: str) -> str:
    return hashlib.blake2b(spec.encode(), digest_size=10).hexdigest()


@dataclass
class DeliveryReport:
    """What happened at one sink: alerts sent now, re-sent from its spool, spooled, why."""

    sink: str
    sent: int = 0
    resent: int = 0
    spooled: int = 0
    pending: int = 0
    error: str | None = None
    #: whether trying again can help (False: HTTP 404, a denied permission, a missing
    #: folder: the alerts wait in the spool until the cause is fixed)
    retryable: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


def _read_spool(path: Path) -> list[dict[str, Any]]:
    """The alerts of a spool file; a torn (crash-cut) line is skipped, not fatal."""
    alerts: list[dict[str, Any]] = []
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            alerts.append(value)
    return alerts


def spooled_specs(spool_dir: Path) -> list[str]:
    """The specs of every sink with alerts waiting in ``spool_dir``."""
    if not spool_dir.is_dir():
        return []
    specs: list[str] = []
    for marker in sorted(spool_dir.glob("*.sink")):
        sid = marker.stem
        if any(spool_dir.glob(f"{sid}.*jsonl")) or (spool_dir / f"{sid}.jsonl").exists():
            specs.append(marker.read_text(encoding="utf-8").strip())
    return specs


class Router:
    """Deliver to every sink with retries and backoff, spooling what still fails.

    ``attempts`` counts every try of a batch (first one included); the waits between them
    are ``backoff``, ``2 * backoff``, … seconds through ``sleep`` (injectable for tests).
    A failure the sink marks not retryable (HTTP 404, access denied) is spooled at once.
    """

    def __init__(
        self,
        sinks: Sequence[Sink],
        spool_dir: str | Path | None = None,
        *,
        attempts: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sinks = tuple(sinks)
        self.spool_dir = Path(spool_dir) if spool_dir is not None else default_spool_dir()
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    # -- paths ---------------------------------------------------------------
    def spool_path(self, sink: Sink) -> Path:
        return self.spool_dir / f"{spool_id(sink.spec)}.jsonl"

    def _claimed(self, sink: Sink) -> list[Path]:
        return sorted(self.spool_dir.glob(f"{spool_id(sink.spec)}.*.claimed.jsonl"))

    def pending(self, sink: Sink) -> int:
        """How many alerts wait in ``sink``'s spool (claimed files included)."""
        paths = [*self._claimed(sink), self.spool_path(sink)]
        return sum(len(_read_spool(p)) for p in paths if p.exists())

    # -- delivery ------------------------------------------------------------
    def deliver(self, alerts: Sequence[AlertDict]) -> list[DeliveryReport]:
        """Re-send each sink's spool, then send ``alerts``; spool what fails. One report a sink."""
        return [self._deliver_one(sink, alerts) for sink in self.sinks]

    def flush(self) -> list[DeliveryReport]:
        """Re-send every sink's spool only."""
        return self.deliver(())

    def _deliver_one(self, sink: Sink, alerts: Sequence[AlertDict]) -> DeliveryReport:
        report = DeliveryReport(sink.name)
        try:
            report.resent = self._resend(sink)
        except SinkError as exc:
            report.error, report.retryable = str(exc), exc.retryable
        if alerts:
            if report.error is None:
                unsent, error, retryable = self._send(sink, alerts)
                report.sent = len(alerts) - len(unsent)
                report.error, report.retryable = error, retryable
            else:
                unsent = alerts  # the sink is down: keep the order, queue behind the spool
            if unsent:
                self._spool(sink, unsent)
                report.spooled = len(unsent)
        if report.error is not None:
            report.pending = self.pending(sink)
        return report

    def _send(
        self, sink: Sink, alerts: Sequence[AlertDict]
    ) -> tuple[Sequence[AlertDict], str | None, bool]:
        """Try up to ``attempts`` times; return what is still unsent, the last error and
        whether retrying it can help."""
        remaining: Sequence[AlertDict] = alerts
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                sink.send(remaining)
                return (), None, True
            except SinkError as exc:
                if exc.unsent is not None:
                    remaining = exc.unsent
                if not exc.retryable or attempt == self.attempts - 1:
                    return remaining, str(exc), exc.retryable
        return remaining, None, True  # pragma: no cover - the loop always returns

    def _resend(self, sink: Sink) -> int:
        """Send the claimed files, oldest first, deleting each once accepted; raise on failure."""
        spool = self.spool_path(sink)
        if spool.exists():
            claimed = spool.with_name(
                f"{spool_id(sink.spec)}.{time.time_ns():020d}-{os.getpid()}.claimed.jsonl"
            )
            try:
                os.replace(spool, claimed)
            except FileNotFoundError:
                pass  # another process claimed it first
            except OSError as exc:
                raise SpoolError(f"cannot claim spool {spool}: {exc.strerror or exc}") from None
        total = 0
        for path in self._claimed(sink):
            try:
                alerts = _read_spool(path)
            except FileNotFoundError:
                continue  # another process sent it meanwhile
            except OSError as exc:
                raise SpoolError(f"cannot read spool {path}: {exc.strerror or exc}") from None
            if alerts:
                unsent, error, retryable = self._send(sink, alerts)
                if error is not None:
                    if len(unsent) < len(alerts):
                        self._rewrite(path, unsent)
                    raise SinkError(error, retryable=retryable)
            path.unlink(missing_ok=True)
            total += len(alerts)
        return total

    def _rewrite(self, path: Path, alerts: Sequence[AlertDict]) -> None:
        """Replace a claimed file by the alerts still unsent (temp file, fsync, rename)."""
        tmp = path.with_name(f".{path.name}.tmp")
        payload = b"".join(orjson.dumps(a, default=str) + b"\n" for a in alerts)
        try:
            with tmp.open("wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise SpoolError(f"cannot rewrite spool {path}: {exc.strerror or exc}") from None

    def _spool(self, sink: Sink, alerts: Sequence[AlertDict]) -> None:
        payload = b"".join(orjson.dumps(a, default=str) + b"\n" for a in alerts)
        path = self.spool_path(sink)
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            marker = path.with_suffix(".sink")
            if not marker.exists():
                fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(sink.spec + "\n")
            append_lines(path, payload)
        except OSError as exc:
            raise SpoolError(
                f"cannot spool {len(alerts)} alert(s) for {sink.name} in {self.spool_dir}: "
                f"{exc.strerror or exc}"
            ) from None
