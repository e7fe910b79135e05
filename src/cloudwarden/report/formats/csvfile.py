"""CSV: one row per finding, a fixed column order, RFC 4180 quoting and CRLF line ends.

Spreadsheets execute a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, a leading tab or carriage return) as a formula, and resource names, tags and
reasons can carry attacker-chosen text. Such cells get a leading apostrophe, the
OWASP-recommended neutralisation, so they display as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from cloudwarden.model import Finding
from cloudwarden.report._common import iso_z
from cloudwarden.report.api import ReportContext, renderer

COLUMNS = (
    "finding_id",
    "status",
    "severity",
    "area",
    "source",
    "check_id",
    "title",
    "account",
    "region",
    "resource_type",
    "resource_arn",
    "reason",
    "wa_ids",
    "cis_ids",
    "remediation",
    "remediation_console",
    "remediation_cli",
    "remediation_url",
    "first_seen",
    "observed_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_row(f: Finding, ctx: ReportContext) -> list[str]:
    rem = f.remediation
    first = ctx.first_seen.get(f.id)
    values = [
        f.id,
        f.status.value,
        f.severity.value,
        f.area.value,
        f.source.value,
        f.source_id,
        f.title,
        f.account,
        f.region,
        f.resource_type,
        f.resource_arn,
        f.status_reason,
        " ".join(f.wa_ids),
        " ".join(f.cis_ids),
        rem.text if rem else "",
        rem.console if rem else "",
        rem.cli if rem else "",
        rem.url if rem else "",
        iso_z(first) if first else "",
        iso_z(f.observed_at),
    ]
    return [neutralise(v) for v in values]


@renderer
class CsvRenderer:
    name = "csv"
    extension = "csv"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        writer.writerows(csv_row(f, context) for f in findings)
        return buf.getvalue().encode("utf-8")
