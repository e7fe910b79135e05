"""The state file of ``detect watch``: the objects processed and the detector's state.

JSON with a format tag and a version, replaced atomically (temp file in the same folder,
fsync, rename) so a crash leaves the old state or the new, never half of one; anything else
found at the path is a one-line :class:`WatchError`, not a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cloudwarden.fileio import write_atomic

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
            write_atomic(path, payload)
        except OSError as exc:
            raise WatchError(f"cannot write state file {path}: {exc.strerror or exc}") from None
