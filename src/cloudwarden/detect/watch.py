"""``detect watch``: poll log folders and S3 prefixes, run the rules on what is new, deliver.

Each poll lists every source, keeps the objects it has not processed yet — an object is
identified by its path (or key), size and modification time (or ETag), so a file
re-delivered with other content is read again — and feeds their events to a
:class:`~cloudwarden.detect.correlate.Detector`, whose thresholds and suppression windows
continue across polls. Alerts go through a :class:`~cloudwarden.detect.delivery.Router`
(retries, spool) to the sinks, the store among them.

**Its place across restarts.** After each batch of objects the state file is replaced
atomically (temp file, fsync, rename) with the objects processed and the detector's state.
The order is: read, detect, deliver, save — so a crash before the save reads the batch
again after a restart and re-sends the same alerts (same ``alert_id``, deduplicated by the
store): at least once, never lost. Ctrl-C (SIGINT) or SIGTERM — what systemd, Docker and
Kubernetes send to stop a service — finishes the object being read, delivers and saves, then
stops; a second signal stops at once.

The default state file is one per set of sources, named by a hash of their normalised
spellings (:func:`normalise_source`): ``ct``, ``ct/``, ``./ct`` and the absolute path of the
same folder share one state file, and the same relative ``ct`` run from two other folders
does not.

**What is listed.** Local folders are walked like ``detect run`` walks them (hidden files —
e.g. a copy in progress under a temporary dot-name — and CloudTrail digests skipped);
``settle`` additionally skips files modified in the last seconds, for writers that write in
place. S3 prefixes are listed in full on every poll (``ListObjectsV2``): keep the prefix as
narrow as the logs allow. Entries for objects that disappeared from a listing are dropped
from the state, so it does not grow without bound as logs expire.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import platformdirs

from cloudwarden.aws.errors import classify
from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.delivery import DeliveryReport, Router
from cloudwarden.detect.rules.ir import Rule
from cloudwarden.detect.sources import Event, SourceError, SourceStats
from cloudwarden.detect.sources.blobs import blob_events
from cloudwarden.detect.sources.reader import walk_files
from cloudwarden.detect.sources.remote import default_context, is_lookup, split_s3_url
from cloudwarden.detect.watch_state import STATE_FORMAT, WatchError, WatchState

__all__ = [
    "STATE_FORMAT",
    "LogObject",
    "PollReport",
    "WatchError",
    "WatchState",
    "Watcher",
    "default_state_path",
    "normalise_source",
]


#: the signals that ask a running watch for a clean stop (Ctrl-C; systemd, Docker, Kubernetes)
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class DetectorLike(Protocol):
    def process(self, events: Sequence[Event]) -> Sequence[Any]: ...

    def state(self) -> dict[str, Any]: ...


def normalise_source(spec: str) -> str:
    """One spelling per source: a local file or folder as its absolute real path.

    ``ct``, ``ct/``, ``./ct`` and ``/abs/ct`` (or a symlink to it) are one source; a relative
    ``ct`` is a different source in another working folder. ``s3://bucket/`` is
    ``s3://bucket`` (both list the whole bucket), but other S3 prefixes are kept as written:
    ``s3://b/logs`` also lists ``logs-old/…``, which ``s3://b/logs/`` does not.
    ``cloudtrail:lookup_events`` specs are kept as written.
    """
    if is_lookup(spec):
        return spec
    if spec.startswith("s3://"):
        try:
            bucket, prefix = split_s3_url(spec)
        except SourceError:
            return spec
        return f"s3://{bucket}" if not prefix else spec
    try:
        return str(Path(spec).resolve())
    except (OSError, RuntimeError):  # a symlink loop: absolute will do
        return os.path.abspath(spec)


def default_state_path(sources: Sequence[str]) -> Path:
    """A state file per set of sources (normalised, see :func:`normalise_source`).

    In the user's data folder. State files of cloudwarden versions that hashed the sources
    as spelled are not found under this name: the watch starts afresh.
    """
    names = sorted({normalise_source(s) for s in sources})
    digest = hashlib.blake2b("\n".join(names).encode(), digest_size=8).hexdigest()
    return Path(platformdirs.user_data_dir("cloudwarden")) / "watch" / f"{digest}.json"


@dataclass(frozen=True, slots=True)
class LogObject:
    """One log file or S3 object as listed: where it is and what identifies its content."""

    source: str
    key: str
    origin: str
    fingerprint: str
    path: Path | None = None
    bucket: str | None = None


@dataclass
class PollReport:
    """One poll: objects and events read, alerts raised, deliveries, and an error if any."""

    poll: int
    objects: int = 0
    events: int = 0
    alerts: int = 0
    deliveries: list[DeliveryReport] = field(default_factory=list)
    stats: SourceStats = field(default_factory=SourceStats)
    interrupted: bool = False
    error: str | None = None


def _alert_dict(alert: Any) -> dict[str, Any]:
    if isinstance(alert, Mapping):
        return dict(alert)
    as_dict: dict[str, Any] = alert.to_dict()
    return as_dict


def make_detector(rules: Sequence[Rule], engine: str, state: dict[str, Any] | None) -> DetectorLike:
    """The correlating detector (thresholds, dedup, suppression), resuming from ``state``."""
    from cloudwarden.detect.correlate import Detector

    try:
        detector: DetectorLike = Detector(rules, "batch" if engine == "batch" else "stream", state)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WatchError(f"cannot resume the detector from the state file: {exc}") from None
    return detector


class Watcher:
    """Polls ``sources`` and runs ``rules`` over new objects; see the module docstring.

    ``on_object(obj)`` is called after each object is read (tests use it to add files or
    to stop mid-poll).
    """

    def __init__(
        self,
        sources: Sequence[str],
        rules: Sequence[Rule],
        *,
        state_path: Path,
        router: Router | None = None,
        aws: AwsContext | None = None,
        engine: str = "stream",
        batch_objects: int = 50,
        settle: float = 0.0,
        on_object: Callable[[LogObject], None] | None = None,
        detector_factory: Callable[
            [Sequence[Rule], str, dict[str, Any] | None], DetectorLike
        ] = make_detector,
    ) -> None:
        for spec in sources:
            if is_lookup(spec):
                raise WatchError(f"{spec}: not a source watch can poll (use a folder or s3://)")
            if not spec.startswith("s3://") and not Path(spec).exists():
                raise WatchError(f"{spec}: no such file or folder")
            if spec.startswith("s3://"):
                try:
                    split_s3_url(spec)
                except SourceError as exc:
                    raise WatchError(str(exc)) from None
        # one spelling per source, so the state's keys match whatever way it is written
        self.sources = tuple(dict.fromkeys(normalise_source(s) for s in sources))
        self.state_path = state_path
        self.state = WatchState.load(state_path)
        adopted = False
        for spec in sources:  # a state file keyed by the sources as spelled (older versions)
            key = normalise_source(spec)
            if key != spec and key not in self.state.seen and spec in self.state.seen:
                self.state.seen[key] = self.state.seen.pop(spec)
                adopted = True
        self.router = router
        self.batch_objects = max(1, batch_objects)
        self.settle = settle
        self.on_object = on_object
        self.detector = detector_factory(rules, engine, self.state.detector)
        self._aws = aws
        self._stop = threading.Event()
        self._polls = 0
        self._pruned = adopted  # the state changed: saved by the first poll

    # -- control -------------------------------------------------------------
    def stop(self) -> None:
        """Finish the object being read, deliver and save, then stop."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(
        self,
        *,
        interval: float = 60.0,
        max_polls: int | None = None,
        report: Callable[[PollReport], None] | None = None,
    ) -> int:
        """Poll until stopped (or ``max_polls`` polls); return the number of polls made.

        In the main thread, the first Ctrl-C (SIGINT) or SIGTERM asks for a clean stop
        (finish the object being read, deliver, save); a second one stops at once. The
        previous handlers are restored on return.
        """
        restore = self._trap_signals()
        try:
            while not self.stopping:
                result = self.poll()
                if report is not None:
                    report(result)
                if max_polls is not None and self._polls >= max_polls:
                    break
                self._stop.wait(interval)
        finally:
            restore()
        return self._polls

    def _trap_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}

        def now() -> None:  # a second signal: stop at once, as without the watch
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

        def handler(signum: int, frame: FrameType | None) -> None:
            now()
            self.stop()

        for sig in _STOP_SIGNALS:
            signal.signal(sig, handler)

        def restore() -> None:
            for sig, before in previous.items():
                # None: a handler not installed from Python, which cannot be put back
                signal.signal(sig, before if before is not None else signal.SIG_DFL)

        return restore

    # -- one poll ------------------------------------------------------------
    def poll(self) -> PollReport:
        """List every source, process the new objects in batches; saves state after each."""
        self._polls += 1
        result = PollReport(self._polls)
        try:
            new = self._new_objects(result.stats)
        except SourceError as exc:
            result.error = str(exc)
            return result
        for start in range(0, len(new), self.batch_objects):
            if self.stopping:
                result.interrupted = True
                break
            self._process(new[start : start + self.batch_objects], result)
        if not new:
            if self._pruned:
                self.state.save(self.state_path)
            if self.router is not None:
                result.deliveries = self.router.flush()
        self._pruned = False
        return result

    def _process(self, batch: Sequence[LogObject], result: PollReport) -> None:
        events: list[Event] = []
        done: list[LogObject] = []
        for obj in batch:
            if self.stopping:
                result.interrupted = True
                break
            read = self._read(obj, result.stats)
            if read is None:
                continue  # not marked processed: the next poll tries it again
            events.extend(read)
            done.append(obj)
            if self.on_object is not None:
                self.on_object(obj)
        if not done:
            return
        alerts = [_alert_dict(a) for a in self.detector.process(events)]
        if self.router is not None:
            result.deliveries.extend(self.router.deliver(alerts))
        for obj in done:
            self.state.seen.setdefault(obj.source, {})[obj.key] = obj.fingerprint
        self.state.detector = self.detector.state()
        self.state.save(self.state_path)
        result.objects += len(done)
        result.events += len(events)
        result.alerts += len(alerts)

    def _new_objects(self, stats: SourceStats) -> list[LogObject]:
        new: list[LogObject] = []
        for spec in self.sources:
            listed = list(self._list(spec, stats))
            seen = self.state.seen.get(spec, {})
            present = {o.key for o in listed}
            for key in [k for k in seen if k not in present]:
                del seen[key]  # expired or moved away: no need to remember it
                self._pruned = True
            new.extend(o for o in listed if seen.get(o.key) != o.fingerprint)
        return new

    def _list(self, spec: str, stats: SourceStats) -> Iterator[LogObject]:
        if spec.startswith("s3://"):
            yield from self._list_s3(spec)
            return
        root = Path(spec)
        if root.is_file():
            files = [(root, root.name)]
        elif root.is_dir():
            # as read_events walks it: a folder that cannot be listed is a problem of the poll
            files = [(p, origin) for p, origin, _ in walk_files(root, stats)]
        else:
            raise SourceError(f"{spec}: no such file or folder")
        now = time.time()
        for path, rel in files:
            if "CloudTrail-Digest" in Path(rel).parts:
                continue
            try:
                st = path.stat()
            except OSError:
                continue  # removed between the walk and the stat
            if self.settle and now - st.st_mtime < self.settle:
                continue
            yield LogObject(spec, rel, rel, f"{st.st_size}:{st.st_mtime_ns}", path=path)

    def _client(self) -> Any:
        if self._aws is None:
            self._aws = default_context()
        return self._aws.client("s3")

    def _list_s3(self, spec: str) -> Iterator[LogObject]:
        bucket, prefix = split_s3_url(spec)
        pages = (
            self._client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        items: list[LogObject] = []
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    key = str(item["Key"])
                    if key.endswith("/") or "/CloudTrail-Digest/" in f"/{key}":
                        continue
                    fingerprint = (
                        f"{item.get('Size', 0)}:{str(item.get('ETag', '')).strip(chr(34))}"
                    )
                    items.append(
                        LogObject(spec, key, f"s3://{bucket}/{key}", fingerprint, bucket=bucket)
                    )
        except Exception as exc:  # botocore raises non-BotoCoreError types too
            raise SourceError(f"{spec}: cannot list objects: {classify(exc).line()}") from None
        yield from items

    def _read(self, obj: LogObject, stats: SourceStats) -> list[Event] | None:
        """The object's events; None when it could not be fetched (retried next poll)."""
        if obj.path is not None:
            try:
                with obj.path.open("rb") as fh:
                    return list(blob_events(fh, obj.origin, stats))
            except OSError as exc:
                stats.problem(obj.origin, f"unreadable file: {exc.strerror or exc}")
                return None
        try:
            body = self._client().get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
        except Exception as exc:  # botocore raises non-BotoCoreError types too
            stats.problem(obj.origin, f"GetObject failed: {classify(exc).line()}")
            return None
        return list(blob_events(io.BytesIO(body), obj.origin, stats))


