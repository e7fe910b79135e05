"""Which files under the paths given to the batch engine DuckDB can read as CloudTrail.

A delivered ``{"Records": [...]}`` document, ``compact`` when it starts as CloudTrail writes
it (``{"Records":``, no line break in its first 4 KiB: most likely one line, which DuckDB
reads faster line by line) or ``doc``, JSON Lines (``lines``), or anything else
(``other``: left to the reader, which counts what it cannot parse), told from the first
4 KiB of the (gunzipped) file; CloudTrail digest files are skipped and counted, as
:func:`cloudwarden.detect.sources.read_events` does.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

from cloudwarden.detect.sources import cloudtrail
from cloudwarden.detect.sources.model import SourceStats

__all__ = ["cloudtrail_files"]


def cloudtrail_files(
    paths: Iterable[str | os.PathLike[str]], stats: SourceStats
) -> list[tuple[str, str, str]]:
    """``(path, origin, kind)`` of every file under ``paths``, kind ``compact`` or ``doc`` (a
    delivered ``{"Records": ...}`` document), ``lines`` (JSON Lines) or ``other`` (left to
    the reader);
    digest files are skipped and counted in ``stats`` as :func:`read_events` does."""
    out: list[tuple[str, str, str]] = []
    for p in paths:
        root = Path(p)
        if root.is_file():
            out.append((str(root), root.name, ""))
            continue
        files = sorted(
            f
            for f in root.rglob("*")
            if f.is_file() and not any(s.startswith(".") for s in f.relative_to(root).parts)
        )
        for f in files:
            rel = f.relative_to(root)
            if "CloudTrail-Digest" in rel.parts:
                stats.skip(rel.as_posix(), "CloudTrail digest file (hashes, no events)")
                continue
            out.append((str(f), rel.as_posix(), ""))
    return [(path, origin, _sniff(path)) for path, origin, _ in out]


def _sniff(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            stream = gzip.GzipFile(fileobj=fh) if head == b"\x1f\x8b" else fh
            start = stream.read(4096)
    except (OSError, EOFError, zlib.error):
        return "other"
    text = start.lstrip()
    if cloudtrail.is_digest(start) or not text.startswith(b"{"):
        return "other"
    if text[1:].lstrip().startswith(b'"Records"'):
        return (
            "compact" if start.startswith(b'{"Records":') and b"\n" not in start.rstrip() else "doc"
        )
    return "lines"
