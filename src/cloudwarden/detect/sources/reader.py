"""``read_events``: one entry point for every log source, streaming."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
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
    default_context,
    is_lookup,
    lookup_events,
    s3_events,
)

__all__ = ["ALREADY_READ", "local_files", "read_events", "walk_files"]

#: the reason a file met again (a source given twice, or inside an earlier one) is skipped
ALREADY_READ = "already read from an earlier source"
_DIGEST = "CloudTrail digest file (hashes, no events)"
# what Path.is_file takes for "not a file" rather than an error (as rglob's filter did)
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def read_events(
    spec: str,
    *,
    aws: AwsContext | None = None,
    stats: SourceStats,
    kind: SourceKind | None = None,
    seen: set[str] | None = None,
) -> Iterator[Event]:
    """Stream the events of ``spec``, counting what could not be parsed in ``stats``.

    ``spec`` is a file, a folder (walked recursively in sorted order, so the
    ``AWSLogs/<account>/CloudTrail/<region>/<Y>/<M>/<D>/`` layout reads in time order),
    an ``s3://bucket/prefix``, or ``cloudtrail:lookup_events[?region=..&start=..&end=..]``.
    The kind of each file is detected from its content unless ``kind`` forces it. A
    spec that cannot be read at all raises :class:`SourceError` (on first iteration); a
    folder below it (or itself) that cannot be listed is a problem in ``stats``.

    A local file is read once per ``seen`` (real paths; by default ``stats.read_paths``,
    the files already read into ``stats``): the same file met again, from a source given
    twice or one inside another, is skipped and recorded in ``stats.skipped``.
    """
    if kind is not None and kind not in SOURCE_KINDS:
        raise SourceError(f"unknown log kind {kind!r} (one of {', '.join(SOURCE_KINDS)})")
    if is_lookup(spec):
        yield from lookup_events(spec, aws or default_context(), stats)
    elif spec.startswith("s3://"):
        yield from s3_events(spec, aws or default_context(), stats, kind)
    else:
        yield from _local_events(Path(spec), stats, kind, seen)


def _local_events(
    path: Path, stats: SourceStats, kind: SourceKind | None, seen: set[str] | None
) -> Iterator[Event]:
    for file, origin in local_files(path, stats, seen):
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


def local_files(
    path: Path, stats: SourceStats, seen: set[str] | None = None
) -> Iterator[tuple[Path, str]]:
    """The files of a local source to read, with their origins, in sorted path order.

    Both engines enumerate local sources with this. Hidden entries (a name starting with
    ``.``) are left out; files in a ``CloudTrail-Digest`` folder are skipped and counted
    (``stats.skip``); a folder that cannot be listed is a problem in ``stats``; a file
    whose real path is in ``seen`` (default ``stats.read_paths``) is skipped as
    :data:`ALREADY_READ`, and every file yielded is added to it. A path that is neither
    file nor folder raises :class:`SourceError`.
    """
    if seen is None:
        seen = stats.read_paths
    if path.is_file():
        real = os.path.realpath(path)
        if real in seen:
            stats.skip(path.name, ALREADY_READ)
            return
        seen.add(real)
        yield path, path.name
    elif path.is_dir():
        for file, origin, real in walk_files(path, stats):
            if "CloudTrail-Digest" in origin.split("/"):
                stats.skip(origin, _DIGEST)
                continue
            if real in seen:
                stats.skip(origin, ALREADY_READ)
                continue
            seen.add(real)
            yield file, origin
    else:
        raise SourceError(f"{path}: no such file or folder")


def walk_files(root: Path, stats: SourceStats) -> list[tuple[Path, str, str]]:
    """``(path, origin, real path)`` of every non-hidden file below ``root``, in sorted path
    order (each folder's entries by name, a subfolder's files in its place among them).

    As ``rglob`` did, symbolic links to files are files and links to folders are not
    followed; unlike it, a folder that cannot be listed is a problem in ``stats``
    (``cannot list folder: <why>``, at ``<origin>/``, or at ``root`` itself), not silence.
    """
    out: list[tuple[Path, str, str]] = []
    # a stack of folders to list (is_dir) and files to take, in reverse order
    todo: list[tuple[Path, str, str, bool]] = [(root, "", os.path.realpath(root), True)]
    while todo:
        path, origin, real, is_dir = todo.pop()
        if not is_dir:
            out.append((path, origin, real))
            continue
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            where = f"{origin}/" if origin else str(root)
            stats.problem(where, f"cannot list folder: {exc.strerror or exc}")
            continue
        children: list[tuple[Path, str, str, bool]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            child = f"{origin}/{name}" if origin else name
            link = entry.is_symlink()
            if not link and _is(entry.is_dir):
                children.append((path / name, child, os.path.join(real, name), True))
            elif _is(entry.is_file):
                target = os.path.realpath(entry.path) if link else os.path.join(real, name)
                children.append((path / name, child, target, False))
        todo.extend(reversed(children))
    return out


def _is(test: Callable[[], bool]) -> bool:
    """``entry.is_dir()`` / ``entry.is_file()``, an error that means "not there" being no;
    any other error is a yes, so that reading the entry reports it as a problem."""
    try:
        return test()
    except OSError as exc:
        return exc.errno not in _NOT_THERE
