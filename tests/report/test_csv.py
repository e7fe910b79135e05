"""CSV: stable columns, RFC 4180 quoting, and formula-injection neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from cloudwarden.model import Finding
from cloudwarden.report import ReportContext, get_renderer
from cloudwarden.report.formats.csvfile import COLUMNS, neutralise


def rows(findings: list[Finding], context: ReportContext) -> list[list[str]]:
    text = get_renderer("csv").render(findings, context).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_finding(findings: list[Finding], context: ReportContext) -> None:
    out = rows(findings, context)
    assert tuple(out[0]) == COLUMNS
    assert len(out) == len(findings) + 1
    assert all(len(r) == len(COLUMNS) for r in out)


def test_lines_end_with_crlf(findings: list[Finding], context: ReportContext) -> None:
    raw = get_renderer("csv").render(findings, context)
    assert raw.count(b"\r\n") == len(findings) + 1


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe


def test_injected_reason_is_neutralised_in_output(
    findings: list[Finding], context: ReportContext
) -> None:
    guardduty = rows(findings, context)[6]
    assert guardduty[COLUMNS.index("reason")].startswith("'=cmd")


def test_quotes_commas_and_newlines_round_trip(
    findings: list[Finding], context: ReportContext
) -> None:
    tricky = findings[0].model_copy(update={"status_reason": 'a "quoted", two-line\nreason'})
    out = rows([tricky], context)
    assert out[1][COLUMNS.index("reason")] == 'a "quoted", two-line\nreason'


def test_first_seen_comes_from_the_context(findings: list[Finding], context: ReportContext) -> None:
    out = rows(findings, context)
    first_seen = COLUMNS.index("first_seen")
    assert out[1][first_seen] == ""
    assert out[4][first_seen] == "2025-02-01T08:30:00.000Z"
