"""A gzipped CloudTrail file is decompressed in one zlib call per member; results must not change.

Every case is checked against :class:`gzip.GzipFile` reading the same bytes the way the
reader always did (sniff 64 KiB, then the rest): the same events, or the same
``unreadable file: ...`` problem, word for word.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from typing import Any

import orjson
import pytest

from cloudwarden.detect.sources import Problem, SourceStats, blobs
from cloudwarden.detect.sources.blobs import blob_events

RECORDS = [
    {"eventID": f"e{i}", "eventTime": "2024-03-15T12:10:00Z", "pad": f"{i:x}" * 90}
    for i in range(2000)
]
BODY = orjson.dumps({"Records": RECORDS})
GZ = gzip.compress(BODY)


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _member(header: bytes, data: bytes) -> bytes:
    return header + _deflate(data) + struct.pack("<II", zlib.crc32(data), len(data))


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x55
    return bytes(out)


CASES: dict[str, bytes] = {
    "plain": GZ,
    "two members": gzip.compress(BODY[:5000]) + gzip.compress(BODY[5000:]),
    "zero padding": gzip.compress(b"") + b"\0\0" + GZ + b"\0" * 7,
    "trailing garbage": GZ + b"garbage",
    "trailing magic": GZ + b"\x1f\x8b\x08",
    "truncated": GZ[: len(GZ) // 2],
    "last byte missing": GZ[:-1],
    "bad crc": _flip(GZ, len(GZ) - 6),
    "bad length": _flip(GZ, len(GZ) - 2),
    "corrupt deflate": _flip(GZ, len(GZ) // 2),
    "bad second member": GZ + gzip.compress(b"{}")[:-3],
    # a header CRC that does not match: GzipFile skips it, zlib refuses it
    "wrong header crc": _member(b"\x1f\x8b\x08\x0a\0\0\0\0\0\xffname\0\0\0", BODY),
    # a reserved flag bit: GzipFile ignores it, zlib refuses it
    "reserved flag": _member(b"\x1f\x8b\x08\x20\0\0\0\0\0\xff", BODY),
    "empty": gzip.compress(b""),
    "magic only": b"\x1f\x8b",
}


def as_before(data: bytes) -> tuple[list[str], list[Problem]]:
    """What reading ``data`` gave before: GzipFile, 64 KiB sniffed, then the rest."""
    stream = gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb")
    try:
        head = stream.read(64 * 1024)
        if not head.strip():
            return [], []
        whole = head + stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        return [], [Problem("f.json.gz", f"unreadable file: {exc}")]
    return [r["eventID"] for r in orjson.loads(whole)["Records"]], []


@pytest.mark.parametrize("name", list(CASES))
def test_reads_as_gzipfile_reads(name: str) -> None:
    data = CASES[name]
    stats = SourceStats()
    keys = [e.key for e in blob_events(io.BytesIO(data), "f.json.gz", stats)]
    assert (keys, stats.problems) == as_before(data)


def test_a_big_enough_file_exercises_the_rest_of_the_read() -> None:
    # more than the sniff, so the one-call path decompresses what GzipFile had not
    assert len(BODY) > 8 * 64 * 1024
    assert as_before(GZ)[0] == [r["eventID"] for r in RECORDS]
    assert as_before(CASES["wrong header crc"])[0] == [r["eventID"] for r in RECORDS]


def test_clean_files_take_the_one_call_way(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = blobs._gunzip

    def spy(data: bytes) -> bytes | None:
        out = real(data)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(blobs, "_gunzip", spy)
    for name in ("plain", "two members", "zero padding", "truncated", "trailing garbage"):
        list(blob_events(io.BytesIO(CASES[name]), "f", SourceStats()))
    assert calls == [True, True, True, False, False]


def test_gunzip_gives_exactly_the_members() -> None:
    assert blobs._gunzip(GZ) == BODY
    assert blobs._gunzip(CASES["two members"]) == BODY
    assert blobs._gunzip(CASES["zero padding"]) == BODY
    for broken in ("trailing garbage", "trailing magic", "truncated", "bad crc", "bad length"):
        assert blobs._gunzip(CASES[broken]) is None, broken


class _Chunks:
    """A stream that hands out small pieces, like a network body."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1, /) -> bytes:
        n = len(self._data) if size < 0 else min(size, 1000)
        out, self._data = self._data[:n], self._data[n:]
        return out


def test_a_stream_that_returns_short_reads() -> None:
    stats = SourceStats()
    keys = [e.key for e in blob_events(_Chunks(GZ), "f", stats)]
    assert keys == [r["eventID"] for r in RECORDS] and not stats.problems


def test_the_sniff_keeps_compressed_bytes_only_until_released() -> None:
    source = blobs._Concat(b"ab", io.BytesIO(b"cdefgh"), keep=True)
    buf = bytearray(3)
    got: list[Any] = []
    while n := source.readinto(memoryview(buf)):
        got.append(bytes(buf[:n]))
        if len(got) == 2:
            assert source.release() == b"abcde"
    assert b"".join(got) == b"abcdefgh"
    assert source.release() == b""  # nothing kept after the first release
    plain = blobs._Concat(b"ab", io.BytesIO(b"cd"))
    plain.readinto(memoryview(bytearray(4)))
    plain.readinto(memoryview(bytearray(4)))
    assert plain.release() == b""
