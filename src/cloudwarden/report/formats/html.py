"""A self-contained HTML report: one file, inline CSS, JS and SVG, nothing fetched.

Templates live in ``report/templates`` and are rendered with autoescaping on, so
resource names, tags and reasons (attacker-controllable text) are inert. A Content
Security Policy forbids loading anything from elsewhere. The page works without
JavaScript (every finding shown); with it, the findings table gets filters.
Other capabilities add sections through ``ReportContext.extra_sections`` or by
extending ``report.html.j2`` and overriding its blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cloudwarden.controls import ControlCoverage, area_title, display_ref
from cloudwarden.model import Area, Finding, Severity, Status
from cloudwarden.report._common import SEVERITY_ORDER, iso_z, requirement_labels, safe_url
from cloudwarden.report._common import worst_first as _worst_first
from cloudwarden.report.api import ReportContext, renderer
from cloudwarden.report.scoring import area_scores, failure_counts, overall_score, status_counts

EVIDENCE_MAX = 4000


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cloudwarden.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    env.globals["Markup"] = Markup
    return env


def _when(value: datetime | None) -> str:
    return "" if value is None else iso_z(value).replace(".000Z", "Z")


@dataclass(frozen=True, slots=True)
class FindingRow:
    finding: Finding
    labels: list[str]
    doc_url: str
    first_seen: datetime | None
    evidence: str


@dataclass(frozen=True, slots=True)
class CoverageRow:
    ref: str
    title: str
    framework: str
    area: str
    check_ids: tuple[str, ...]
    state: str


def _evidence(f: Finding) -> str:
    if not f.evidence:
        return ""
    text = orjson.dumps(f.evidence, default=str, option=orjson.OPT_INDENT_2).decode()
    return text if len(text) <= EVIDENCE_MAX else text[:EVIDENCE_MAX] + "\n…"


def _rows(findings: Sequence[Finding], ctx: ReportContext) -> list[FindingRow]:
    return [
        FindingRow(
            finding=f,
            labels=requirement_labels(f),
            doc_url=safe_url(f.remediation.url) if f.remediation else "",
            first_seen=ctx.first_seen.get(f.id),
            evidence=_evidence(f),
        )
        for f in _worst_first(findings)
    ]


def _coverage_rows(
    coverage: Sequence[ControlCoverage], findings: Sequence[Finding]
) -> list[CoverageRow]:
    """Each control with the state its checks found: failing, passing, not assessed, no data."""
    statuses: dict[str, set[Status]] = {}
    for f in findings:
        statuses.setdefault(f.source_id, set()).add(f.status)
    rows = []
    for cov in coverage:
        seen = set().union(*(statuses.get(c, set()) for c in cov.check_ids))
        if not cov.covered:
            state = "not covered"
        elif Status.FAIL in seen:
            state = "failing"
        elif Status.PASS in seen:
            state = "passing"
        elif Status.NOT_ASSESSED in seen:
            state = "not assessed"
        else:
            state = "no findings"
        rows.append(
            CoverageRow(
                ref=display_ref(cov.control),
                title=cov.control.title,
                framework=cov.control.framework,
                area=area_title(cov.area),
                check_ids=cov.check_ids,
                state=state,
            )
        )
    return rows


def page_model(findings: Sequence[Finding], ctx: ReportContext) -> dict[str, Any]:
    """Everything the template shows, computed here so the template stays declarative."""
    counts = status_counts(findings)
    overall = overall_score(findings)
    return {
        "ctx": ctx,
        "total": len(findings),
        "counts": {s.value: n for s, n in counts.items()},
        "overall": None if overall is None else round(overall * 100),
        "scores": area_scores(findings),
        "failures": failure_counts(findings),
        "rows": _rows(findings, ctx),
        "areas": [(a.value, a.label) for a in Area],
        "severities": [s.value for s in SEVERITY_ORDER],
        "statuses": [s.value for s in Status],
        "accounts": sorted({f.account for f in findings}),
        "coverage": _coverage_rows(ctx.coverage, findings),
        "Severity": Severity,
    }


@renderer
class HtmlRenderer:
    name = "html"
    extension = "html"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        template = environment().get_template("report.html.j2")
        return template.render(page_model(findings, context)).encode("utf-8")
