"""The state file of ``detect watch``: the objects processed and the detector's state.

JSON with a format tag and a version, replaced atomically (temp file in the same folder,
fsync, rename) so a crash leaves the old state or the new, never half of one; anything else
found at the path is a one-line :class:`WatchError`, not a traceback.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

__all__ = ["STATE_FORMAT", "STATE_VERSION", "WatchError", "WatchState"]

STATE_FORMAT = "cloudwarden-watch-state"
STATE_VERSION = 1


class WatchError(Exception):
    """The watch cannot start or continue (bad source, unreadable state file); one line."""


@dataclass
class WatchState:
    """What the watch has processed (per source: key -> fingerprint) and the detector state."""

    seen: dict[str, dict[str, str]] = field(default_factory=dict)
    detector: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path) -> WatchState:
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise WatchError(f"cannot read state file {path}: {exc.strerror or exc}") from None
        except orjson.JSONDecodeError:
            raise WatchError(
                f"state file {path} is corrupt (not JSON); move it away to start afresh"
            ) from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise WatchError(f"{path} is not a cloudwarden watch state file")
        if data.get("version") != STATE_VERSION:
            raise WatchError(
                f"state file {path} has version {data.get('version')!r}; this cloudwarden "
                f"reads version {STATE_VERSION}"
            )
        seen = data.get("seen")
        detector = data.get("detector")
        if not isinstance(seen, dict) or not all(
            isinstance(v, dict) and all(isinstance(f, str) for f in v.values())
            for v in seen.values()
        ):
            raise WatchError(f"state file {path} is corrupt (bad 'seen' table)")
        if detector is not None and not isinstance(detector, dict):
            raise WatchError(f"state file {path} is corrupt (bad 'detector' state)")
        return cls(seen=seen, detector=detector)

    def save(self, path: Path) -> None:
        """Temp file in the same folder, fsync, rename: the old state or the new, never half."""
        payload = orjson.dumps(
            {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "seen": self.seen,
                "detector": self.detector,
            },
            default=str,
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise WatchError(f"cannot write state file {path}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise WatchError(f"cannot write state file {path}: {exc.strerror or exc}") from None
