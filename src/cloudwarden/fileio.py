"""Writing files so that a failure leaves the previous file or none, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(target: Path, payload: bytes | Iterable[bytes]) -> None:
    """Write ``payload`` (bytes, or an iterable of byte chunks written as they come, so a
    large output need not be held whole) to a temp file in ``target``'s folder, fsync it,
    then ``os.replace`` it over ``target`` (atomic on POSIX and Windows within one
    filesystem).

    ``OSError`` propagates for the caller to turn into its own one-line error; the temp
    file is removed on any failure.
    """
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(payload, bytes):
                fh.write(payload)
            else:
                for chunk in payload:
                    fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
