"""``write_atomic``: the whole payload or the previous file, never half of one."""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "data" / "alerts.jsonl"
    real.parent.mkdir()
    real.write_bytes(b"previous\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)

    write_atomic(link, [b"new\n", b"content\n"])

    assert link.is_symlink()
    assert link.readlink() == real
    assert real.read_bytes() == b"new\ncontent\n"
    assert not real.is_symlink()
    assert _names(tmp_path) == ["data", "link.jsonl"]  # no temp file next to the link
    assert _names(real.parent) == ["alerts.jsonl"]


def test_a_chain_of_relative_links_is_followed_to_the_end(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    real = tmp_path / "b" / "real.jsonl"
    real.write_bytes(b"old\n")
    (tmp_path / "a" / "hop.jsonl").symlink_to(Path("..") / "b" / "real.jsonl")
    first = tmp_path / "first.jsonl"
    first.symlink_to(Path("a") / "hop.jsonl")

    write_atomic(first, b"new\n")

    assert first.is_symlink()
    assert (tmp_path / "a" / "hop.jsonl").is_symlink()
    assert real.read_bytes() == b"new\n"
    assert _names(tmp_path / "a") == ["hop.jsonl"]
    assert _names(tmp_path / "b") == ["real.jsonl"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    real = tmp_path / "missing" / "dir" / "out.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)

    write_atomic(link, b"created\n")

    assert link.is_symlink()
    assert real.read_bytes() == b"created\n"
    assert link.read_bytes() == b"created\n"
    assert _names(real.parent) == ["out.jsonl"]


def test_a_symlink_loop_raises_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError) as info:
        write_atomic(tmp_path / "a", b"x")
    assert info.value.errno == errno.ELOOP
    assert _names(tmp_path) == ["a", "b"]
    assert (tmp_path / "a").is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_written_through_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    received: list[bytes] = []

    def reader() -> None:
        # Opening waits for the writer; reading then runs until the writer closes.
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    # Larger than a pipe's buffer (64 KiB): it streams through while the thread reads.
    chunks = [f"{i:07d}\n".encode() for i in range(40_000)]
    write_atomic(link, iter(chunks))
    thread.join(timeout=10)
    if thread.is_alive():  # pragma: no cover - release a reader still waiting to open
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)

    assert not thread.is_alive()
    assert received == [b"".join(chunks)]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not a regular file
    assert link.is_symlink()
    assert _names(tmp_path) == ["link", "pipe"]  # no temp file


def test_a_character_device_is_written_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real device is touched: a regular file is reported as a character device.
    fake_device = tmp_path / "device"
    fake_device.write_bytes(b"")
    inode = fake_device.stat().st_ino
    real_stat = os.stat

    def fake_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)
        if Path(path) == fake_device:
            fields = list(result)
            fields[0] = stat.S_IFCHR | 0o666
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(os, "stat", fake_stat)
    replaced: list[object] = []
    monkeypatch.setattr(os, "replace", lambda *a: replaced.append(a))

    write_atomic(fake_device, (b"a\n", b"b\n"))

    assert replaced == []  # no rename
    assert fake_device.read_bytes() == b"a\nb\n"
    assert real_stat(fake_device).st_ino == inode  # the same file, written in place
    assert _names(tmp_path) == ["device"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc")
def test_a_link_through_proc_is_written_in_place(tmp_path: Path) -> None:
    # Like /dev/stdout redirected to a file: /proc/self/fd/N is not a path to replace.
    out = tmp_path / "redirected.txt"
    with out.open("wb") as held:
        inode = out.stat().st_ino
        link = tmp_path / "stdout"
        link.symlink_to(f"/proc/self/fd/{held.fileno()}")
        write_atomic(link, b"through the descriptor\n")
    assert link.is_symlink()
    assert out.read_bytes() == b"through the descriptor\n"
    assert out.stat().st_ino == inode  # not replaced by a new file
    assert _names(tmp_path) == ["redirected.txt", "stdout"]


def test_a_directory_target_raises_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "inside").write_bytes(b"kept\n")
    with pytest.raises(IsADirectoryError):
        write_atomic(target, b"x")
    assert _names(tmp_path) == ["out"]
    assert _names(target) == ["inside"]
    assert (target / "inside").read_bytes() == b"kept\n"


def test_a_symlink_to_a_directory_raises_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "dir")
    with pytest.raises(IsADirectoryError):
        write_atomic(link, [b"x"])
    assert link.is_symlink()
    assert _names(tmp_path) == ["dir", "link"]
    assert _names(tmp_path / "dir") == []
