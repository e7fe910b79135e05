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
from collections.abc import Iterable, Iterator
from typing import Protocol

from cloudwarden.detect.sources import cloudtrail, s3access, vpcflow
from cloudwarden.detect.sources.model import Event, SourceKind, SourceStats

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def open_binary(raw: Readable) -> io.BufferedIOBase:
    """A reader of ``raw``, decompressing when it starts with the gzip magic bytes."""
    return _open(raw)[0]


def _open(raw: Readable) -> tuple[io.BufferedIOBase, _Concat | None]:
    """:func:`open_binary`, and for gzip the wrapper that keeps the compressed bytes read."""
    magic = raw.read(2)
    if magic == _GZIP_MAGIC:
        source = _Concat(magic, raw, keep=True)
        return gzip.GzipFile(fileobj=io.BufferedReader(source), mode="rb"), source
    return io.BufferedReader(_Concat(magic, raw)), None


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
    yield from blob_iter(raw, origin, stats, kind)


def blob_iter(
    raw: Readable, origin: str, stats: SourceStats, kind: SourceKind | None = None
) -> Iterable[Event]:
    """What :func:`blob_events` yields, for a caller that iterates it at once (while ``raw``
    is open): a CloudTrail document's events as a list, text logs as a generator.

    Returning the list rather than yielding from it spares every event one generator
    resumption: a CloudTrail file is read and decoded whole in any case.
    """
    try:
        stream, gzipped = _open(raw)
        head = stream.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        stats.problem(origin, f"unreadable file: {exc}")
        return ()
    # the compressed bytes the sniff took, kept no longer than this: a text log streams on
    compressed_head = gzipped.release() if gzipped is not None else None
    found = kind or detect_kind(head)
    if found is None:
        if head.strip():
            stats.problem(origin, "unrecognised format: not CloudTrail, VPC Flow or S3 access log")
        return ()
    stats.files += 1
    if found != "cloudtrail":
        return _text_events(found, head, stream, origin, stats)
    if cloudtrail.is_digest(head[:4096]):
        stats.skip(origin, "CloudTrail digest file (hashes, no events)")
        return ()
    try:
        data = (
            head + stream.read() if compressed_head is None else _gunzip_rest(compressed_head, raw)
        )
    except (OSError, EOFError, zlib.error) as exc:
        stats.problem(origin, f"unreadable file: {exc}")
        return ()
    return cloudtrail.document_events(data, origin, stats)


def _gunzip_rest(compressed_head: bytes, raw: Readable) -> bytes:
    """A whole gzipped CloudTrail file, given the compressed bytes the sniff already took.

    The file is read whole in any case; one ``zlib`` call per gzip member is markedly
    cheaper than :class:`gzip.GzipFile`'s chunk-by-chunk decompression, CRC and joins. Only
    a file that decompresses cleanly takes this way: anything else (truncated, bad CRC or
    length, trailing garbage, header flags zlib refuses) is read again, from the same bytes,
    exactly as before, so a broken file raises the very error it always did.
    """
    compressed = compressed_head + raw.read()
    data = _gunzip(compressed)
    if data is not None:
        return data
    return open_binary(io.BytesIO(compressed)).read()


def _gunzip(data: bytes) -> bytes | None:
    """Every member of a gzip file, concatenated (the stdlib's one-shot
    :func:`gzip.decompress`: zero padding between members allowed, each member's CRC and
    length checked); None when any of it is not well formed."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):  # BadGzipFile is an OSError
        return None


def _text_events(
    kind: SourceKind, head: bytes, stream: Readable, origin: str, stats: SourceStats
) -> Iterator[Event]:
    """A VPC Flow or S3 access log, a line at a time; a read failure part way is one problem."""
    try:
        lines = _text_lines(head, stream)
        if kind == "vpcflow":
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

    def __init__(self, head: bytes, rest: Readable, *, keep: bool = False) -> None:
        self._head = memoryview(head)
        self._rest = rest
        # with keep, what is taken from ``rest`` is kept too (see release)
        self._kept: list[bytes] | None = [head] if keep else None

    def release(self) -> bytes:
        """The bytes passed on so far, from ``head`` on (when kept); keep no more after this."""
        kept, self._kept = self._kept, None
        return b"".join(kept or ())

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        if self._kept is not None:
            self._kept.append(data)
        buffer[: len(data)] = data
        return len(data)
