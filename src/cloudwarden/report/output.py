"""Writing outputs safely and gating CI on findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from cloudwarden.fileio import write_atomic
from cloudwarden.model import Finding, Severity, Status
from cloudwarden.report.api import Renderer, ReportContext, ReportError


def write_output(
    renderer: Renderer, findings: Sequence[Finding], context: ReportContext, path: str | Path
) -> Path:
    """Render, then write atomically: a temp file in the target folder, fsync, rename.

    Rendering happens before any file is touched, and the rename is atomic on one
    filesystem, so a failure at any point leaves either the previous file or none:
    never a half-written report that a CI step would pick up.
    """
    target = Path(path)
    payload = renderer.render(findings, context)
    if target.exists() and not target.is_file():
        return _write_special(target, payload)
    try:
        write_atomic(target, payload)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def _write_special(target: Path, payload: bytes) -> Path:
    """A device or pipe (``/dev/stdout``, ``/dev/null``, a FIFO) is written in place.

    Renaming a temp file over it would replace the device itself with a plain file;
    atomicity means nothing for a stream anyway.
    """
    try:
        with target.open("wb") as fh:
            fh.write(payload)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def fail_on(findings: Iterable[Finding], severity: Severity) -> bool:
    """True when any finding FAILs at ``severity`` or worse (the ``--fail-on`` CI gate)."""
    return any(f.status is Status.FAIL and f.severity.rank >= severity.rank for f in findings)
