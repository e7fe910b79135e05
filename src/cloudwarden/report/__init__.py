"""Outputs: OCSF, ASFF, SARIF, CSV and HTML renderers, the terminal summary, safe writing."""

from cloudwarden.report.api import (
    RENDERERS,
    HtmlSection,
    Renderer,
    ReportContext,
    ReportError,
    all_renderers,
    get_renderer,
    renderer,
)
from cloudwarden.report.context import context_for_run
from cloudwarden.report.output import fail_on, write_output
from cloudwarden.report.scoring import AreaScore, area_scores, failure_counts
from cloudwarden.report.terminal import print_summary

__all__ = [
    "RENDERERS",
    "AreaScore",
    "HtmlSection",
    "Renderer",
    "ReportContext",
    "ReportError",
    "all_renderers",
    "area_scores",
    "context_for_run",
    "fail_on",
    "failure_counts",
    "get_renderer",
    "print_summary",
    "renderer",
    "write_output",
]
