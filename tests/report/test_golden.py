"""Golden files: every format renders the sample findings byte-for-byte as recorded.

Regenerate after an intended change with ``CLOUDWARDEN_UPDATE_GOLDEN=1 pytest tests/report``
and review the diff of ``tests/report/golden/`` like any other code change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudwarden.model import Finding
from cloudwarden.report import ReportContext, all_renderers

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CLOUDWARDEN_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", ["ocsf", "asff", "sarif", "csv", "html"])
def test_output_matches_golden_file(
    name: str, findings: list[Finding], context: ReportContext
) -> None:
    renderer = next(r for r in all_renderers() if r.name == name)
    rendered = renderer.render(findings, context)
    path = GOLDEN / f"sample.{renderer.extension}"
    if UPDATE:
        path.write_bytes(rendered)
    assert path.exists(), f"no golden file {path.name}; run with CLOUDWARDEN_UPDATE_GOLDEN=1"
    assert rendered == path.read_bytes()


@pytest.mark.parametrize("name", ["ocsf", "asff", "sarif", "csv", "html"])
def test_rendering_is_deterministic(
    name: str, findings: list[Finding], context: ReportContext
) -> None:
    renderer = next(r for r in all_renderers() if r.name == name)
    assert renderer.render(findings, context) == renderer.render(list(findings), context)
