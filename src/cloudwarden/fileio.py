"""Writing files so that a failure leaves the previous file or none, never half of one."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["write_atomic"]

_Write = Callable[[bytes], object]

# The same bound as the kernel's (Linux MAXSYMLINKS); past it a chain is taken as a loop.
_MAX_LINKS = 40


def write_atomic(target: Path, payload: bytes | Iterable[bytes]) -> None:
    """Write ``payload`` (bytes, or an iterable of byte chunks written as they come, so a
    large output need not be held whole) to a temp file in ``target``'s folder, fsync it,
    then ``os.replace`` it over ``target`` (atomic on POSIX and Windows within one
    filesystem).

    A symlink ``target`` is followed, through as many links as it chains: the file it
    finally points to is the one replaced (its temp file sits in *that* file's folder), and
    the link stays a link. A dangling link's target is created.

    An existing ``target`` that is not a regular file -- a character or block device such
    as ``/dev/null``, a FIFO, a socket, or ``/dev/stdout`` and other links through
    ``/proc`` -- is opened and written to directly, chunk by chunk: no temp file, no
    rename, no fsync. **Atomicity does not apply to such files**: a failure part way
    leaves whatever was already written. Opening a FIFO waits for a reader.

    An existing directory ``target`` raises ``IsADirectoryError``. ``OSError``
    propagates for the caller to turn into its own one-line error; the temp file is
    removed on any failure.
    """
    try:
        st: os.stat_result | None = os.stat(target)  # follows links
    except (FileNotFoundError, NotADirectoryError):
        st = None  # missing, or a dangling link: created below, or the usual error
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_direct(target, payload)
        return
    resolved = _follow_links(target)
    if resolved is None:  # a link through /proc, e.g. /dev/stdout redirected to a file
        _write_direct(target, payload)
        return
    _replace_atomically(resolved, payload)


def _follow_links(target: Path) -> Path | None:
    """The path ``target`` finally points to, following its last component through every
    symlink (parents are left to the kernel); ``None`` when the chain goes through
    ``/proc`` (``/dev/stdout``, ``/dev/fd/N``), whose links are not real paths to replace.
    """
    path = target
    for _ in range(_MAX_LINKS):
        if not path.is_symlink():
            return path
        if os.path.realpath(path.parent).startswith("/proc/"):
            return None
        link = Path(os.readlink(path))
        # Not normalised: the kernel resolves "..", relative to the link's real folder.
        path = link if link.is_absolute() else path.parent / link
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(target))


def _write_direct(target: Path, payload: bytes | Iterable[bytes]) -> None:
    """Open ``target`` (a device, FIFO, socket...) for writing and stream ``payload``."""
    with open(target, "wb") as fh:
        _write_payload(fh.write, payload)
        fh.flush()


def _replace_atomically(target: Path, payload: bytes | Iterable[bytes]) -> None:
    """Temp file in ``target``'s folder, fsync, ``os.replace`` over ``target``."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_payload(fh.write, payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_payload(write: _Write, payload: bytes | Iterable[bytes]) -> None:
    if isinstance(payload, bytes):
        write(payload)
    else:
        for chunk in payload:
            write(chunk)
