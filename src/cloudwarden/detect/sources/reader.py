"""``read_events``: one entry point for every log source, streaming."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.sources.blobs import blob_iter
from cloudwarden.detect.sources.model import (
    SOURCE_KINDS,
    Event,
    SourceError,
    SourceKind,
    SourceStats,
)
from cloudwarden.detect.sources.remote import (
    LOOKUP_SPEC,
    default_context,
    lookup_events,
    s3_events,
)


def read_events(
    spec: str,
    *,
    aws: AwsContext | None = None,
    stats: SourceStats,
    kind: SourceKind | None = None,
) -> Iterator[Event]:
    """Stream the events of ``spec``, counting what could not be parsed in ``stats``.

    ``spec`` is a file, a folder (walked recursively in sorted order, so the
    ``AWSLogs/<account>/CloudTrail/<region>/<Y>/<M>/<D>/`` layout reads in time order),
    an ``s3://bucket/prefix``, or ``cloudtrail:lookup_events[?region=..&start=..&end=..]``.
    The kind of each file is detected from its content unless ``kind`` forces it. A
    spec that cannot be read at all raises :class:`SourceError` (on first iteration).
    """
    if kind is not None and kind not in SOURCE_KINDS:
        raise SourceError(f"unknown log kind {kind!r} (one of {', '.join(SOURCE_KINDS)})")
    if spec == LOOKUP_SPEC or spec.startswith(LOOKUP_SPEC + "?"):
        yield from lookup_events(spec, aws or default_context(), stats)
    elif spec.startswith("s3://"):
        yield from s3_events(spec, aws or default_context(), stats, kind)
    else:
        yield from _local_events(Path(spec), stats, kind)


def _local_events(path: Path, stats: SourceStats, kind: SourceKind | None) -> Iterator[Event]:
    for file, origin in _local_files(path, stats):
        try:
            handle = file.open("rb")
        except OSError as exc:
            stats.problem(origin, f"unreadable file: {exc.strerror or exc}")
            continue
        # the file's events straight from blob_iter (a list for CloudTrail), not through
        # blob_events: each generator between here and the events costs every event a
        # resumption
        with handle:
            yield from blob_iter(handle, origin, stats, kind)


def _local_files(path: Path, stats: SourceStats) -> Iterator[tuple[Path, str]]:
    """The files to read with their origins; digest folders skipped (and counted) on the way."""
    if path.is_file():
        yield path, path.name
    elif path.is_dir():
        for file in _walk(path):
            rel = file.relative_to(path)
            if "CloudTrail-Digest" in rel.parts:
                stats.skip(rel.as_posix(), "CloudTrail digest file (hashes, no events)")
                continue
            yield file, rel.as_posix()
    else:
        raise SourceError(f"{path}: no such file or folder")


def _walk(root: Path) -> list[Path]:
    """Every non-hidden file below ``root``, in sorted path order."""
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files)
