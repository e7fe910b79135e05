"""Atomic writing (never a half-written report) and the --fail-on CI gate."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from cloudwarden.model import Finding, Severity, Status
from cloudwarden.report import ReportContext, ReportError, fail_on, get_renderer, write_output


class ExplodingRenderer:
    name = "exploding"
    extension = "txt"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        raise RuntimeError("renderer bug")


def test_writes_the_rendered_bytes(
    tmp_path: Path, findings: list[Finding], context: ReportContext
) -> None:
    renderer = get_renderer("csv")
    target = write_output(renderer, findings, context, tmp_path / "out" / "report.csv")
    assert target.read_bytes() == renderer.render(findings, context)
    assert [p.name for p in target.parent.iterdir()] == ["report.csv"]


def test_a_failing_render_leaves_the_previous_file_and_no_temp_file(
    tmp_path: Path, findings: list[Finding], context: ReportContext
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("previous report")
    with pytest.raises(RuntimeError):
        write_output(ExplodingRenderer(), findings, context, target)
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_a_failing_write_leaves_no_temp_file(
    tmp_path: Path, findings: list[Finding], context: ReportContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cloudwarden.fileio.os.replace", broken_replace)
    with pytest.raises(ReportError, match="No space left on device"):
        write_output(get_renderer("csv"), findings, context, tmp_path / "r.csv")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_target_is_one_line_error(
    tmp_path: Path, findings: list[Finding], context: ReportContext
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ReportError) as err:
        write_output(get_renderer("csv"), findings, context, blocker / "r.csv")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("failing", "gate", "trips"),
    [
        ([], Severity.LOW, False),
        ([Severity.LOW], Severity.LOW, True),
        ([Severity.LOW], Severity.MEDIUM, False),
        ([Severity.MEDIUM, Severity.HIGH], Severity.HIGH, True),
        ([Severity.HIGH], Severity.CRITICAL, False),
        ([Severity.CRITICAL], Severity.INFORMATIONAL, True),
    ],
)
def test_fail_on(
    failing: list[Severity], gate: Severity, trips: bool, findings: list[Finding]
) -> None:
    base = findings[0]
    items = [base.model_copy(update={"severity": s, "status": Status.FAIL}) for s in failing]
    items.append(base.model_copy(update={"severity": Severity.CRITICAL, "status": Status.PASS}))
    items.append(
        base.model_copy(update={"severity": Severity.CRITICAL, "status": Status.NOT_ASSESSED})
    )
    assert fail_on(items, gate) is trips


def test_a_device_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    """Renaming over /dev/null as root would replace the device with a file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_output(get_renderer("csv"), [], ReportContext(), fifo)
    reader.join(timeout=10)
    assert fifo.exists() and not fifo.is_file(), "still a FIFO"
    assert received and received[0], "the report went through the pipe"
