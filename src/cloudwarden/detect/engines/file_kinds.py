"""Which files under the paths given to the batch engine DuckDB can read as CloudTrail.

A delivered ``{"Records": [...]}`` document, ``compact`` when it starts as CloudTrail writes
it (``{"Records":``, no line break in its first 4 KiB: most likely one line, which DuckDB
reads faster line by line) or ``doc``, JSON Lines (``lines``), or anything else
(``other``: left to the reader, which counts what it cannot parse), told from the first
4 KiB of the (gunzipped) file. The files are enumerated as
:func:`cloudwarden.detect.sources.read_events` enumerates them (the same function): digest
files skipped and counted, folders that cannot be listed reported, each file read once.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from cloudwarden.detect.sources import cloudtrail
from cloudwarden.detect.sources.model import SourceStats
from cloudwarden.detect.sources.reader import local_files

__all__ = ["cloudtrail_files"]


def cloudtrail_files(
    paths: Iterable[str | os.PathLike[str]], stats: SourceStats, seen: set[str] | None = None
) -> list[tuple[str, str, str]]:
    """``(path, origin, kind)`` of every file under ``paths``, kind ``compact`` or ``doc`` (a
    delivered ``{"Records": ...}`` document), ``lines`` (JSON Lines) or ``other`` (left to
    the reader).

    The files are those :func:`read_events` reads, enumerated by the same
    :func:`~cloudwarden.detect.sources.reader.local_files`: digest files skipped and counted
    in ``stats``, folders that cannot be listed counted as problems, and a file met again
    (a path given twice, or inside an earlier one; by real path, across ``paths`` and
    ``seen``, by default ``stats.read_paths``) skipped and recorded."""
    out = [(str(file), origin) for p in paths for file, origin in local_files(Path(p), stats, seen)]
    return [(path, origin, _sniff(path)) for path, origin in out]


def _sniff(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            stream = gzip.GzipFile(fileobj=fh) if head == b"\x1f\x8b" else fh
            start = stream.read(4096)
    except (OSError, EOFError, zlib.error):
        return "other"
    text = start.lstrip(b" \t\r\n")  # JSON whitespace only: the reader rejects a VT or FF
    if cloudtrail.is_digest(start) or not text.startswith(b"{"):
        return "other"
    if text[1:].lstrip(b" \t\r\n").startswith(b'"Records"'):
        return (
            "compact" if start.startswith(b'{"Records":') and b"\n" not in start.rstrip() else "doc"
        )
    return "lines"
