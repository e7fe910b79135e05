"""``write_atomic``: the whole payload or the previous file, never half of one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden.fileio import write_atomic


def test_chunks_are_written_in_order(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.jsonl"
    write_atomic(target, (f"{i}\n".encode() for i in range(5000)))
    assert target.read_text().splitlines() == [str(i) for i in range(5000)]
    assert [p.name for p in target.parent.iterdir()] == ["out.jsonl"]


def test_a_failure_while_chunks_come_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"previous\n")

    def chunks() -> Iterator[bytes]:
        yield b"first\n"
        raise RuntimeError("the producer failed")

    with pytest.raises(RuntimeError):
        write_atomic(target, chunks())
    assert target.read_bytes() == b"previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # the temp file is gone
