"""One log file's bytes (local file or S3 object) to events: gzip, kind detection, dispatch.

Compression is recognised by the gzip magic bytes, not the file name, because
CloudTrail (``.json.gz``), VPC Flow Logs (``.log.gz``) and copies made by users do not
agree on extensions. The kind is recognised from the first non-blank line: JSON
(``{``/``[``) is CloudTrail, a flow-log header or a 14-field default record is VPC
Flow Logs, a bracketed-time line is an S3 server access log.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import Protocol

from cloudwarden.detect.sources import cloudtrail, s3access, vpcflow
from cloudwarden.detect.sources.model import Event, SourceKind, SourceStats

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def open_binary(raw: Readable) -> io.BufferedIOBase:
    """A reader of ``raw``, decompressing when it starts with the gzip magic bytes."""
    magic = raw.read(2)
    stream = io.BufferedReader(_Concat(magic, raw))
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream, mode="rb")
    return stream


def detect_kind(head: bytes) -> SourceKind | None:
    """The log kind from the start of a (decompressed) file, or None when unrecognised."""
    text = head.decode("utf-8", errors="replace")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[0] in "{[":
            return "cloudtrail"
        if vpcflow.is_header(stripped) or vpcflow.looks_like_default(stripped):
            return "vpcflow"
        if s3access.looks_like_access_log(stripped):
            return "s3access"
        return None
    return None


def blob_events(
    raw: Readable, origin: str, stats: SourceStats, kind: SourceKind | None = None
) -> Iterator[Event]:
    """Events of one file; a file that cannot be read or recognised is one counted problem."""
    try:
        stream = open_binary(raw)
        head = stream.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        stats.problem(origin, f"unreadable file: {exc}")
        return
    found = kind or detect_kind(head)
    if found is None:
        if head.strip():
            stats.problem(origin, "unrecognised format: not CloudTrail, VPC Flow or S3 access log")
        return
    stats.files += 1
    try:
        if found == "cloudtrail":
            if cloudtrail.is_digest(head[:4096]):
                stats.skip(origin, "CloudTrail digest file (hashes, no events)")
                return
            yield from cloudtrail.document_events(head + stream.read(), origin, stats)
            return
        lines = _text_lines(head, stream)
        if found == "vpcflow":
            yield from vpcflow.flow_events(lines, origin, stats)
        else:
            yield from s3access.access_events(lines, origin, stats)
    except (OSError, EOFError, zlib.error) as exc:
        stats.problem(origin, f"unreadable file: {exc}")


def _text_lines(head: bytes, rest: Readable) -> Iterator[str]:
    """Decoded lines of ``head`` followed by the rest of the stream (invalid UTF-8 replaced)."""
    joined = io.BufferedReader(_Concat(head, rest))
    text = io.TextIOWrapper(joined, encoding="utf-8", errors="replace", newline="")
    yield from text


class _Concat(io.RawIOBase):
    """A read-only stream of already-read bytes followed by the remaining stream."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
