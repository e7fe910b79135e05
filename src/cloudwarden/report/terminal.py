"""The terminal summary printed after a scan: scores per area, failures by severity, worst ones."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cloudwarden.model import Finding, Severity, Status
from cloudwarden.report.scoring import area_scores, failure_counts, status_counts, worst_failures

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.INFORMATIONAL: "dim",
}
BAR_WIDTH = 20


def _bar(percent: int | None) -> Text:
    if percent is None:
        return Text("n/a", style="dim")
    filled = round(BAR_WIDTH * percent / 100)
    style = "green" if percent >= 80 else "yellow" if percent >= 50 else "red"
    bar = Text("█" * filled, style=style)
    bar.append("░" * (BAR_WIDTH - filled), style="dim")
    bar.append(f" {percent:3d}%")
    return bar


def _scores_table(findings: Sequence[Finding]) -> Table:
    table = Table(title="Score by area", title_justify="left", show_edge=False)
    table.add_column("area")
    table.add_column("score")
    table.add_column("passed", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("not assessed", justify="right")
    for s in area_scores(findings):
        table.add_row(
            s.area.label, _bar(s.percent), str(s.passed), str(s.failed), str(s.not_assessed)
        )
    return table


def _failures_table(findings: Sequence[Finding], top: int) -> Table:
    table = Table(title=f"Worst failures (top {top})", title_justify="left", show_edge=False)
    table.add_column("severity")
    table.add_column("check")
    table.add_column("resource", overflow="fold")
    table.add_column("reason", overflow="fold")
    for f in worst_failures(findings, top):
        table.add_row(
            Text(f.severity.value, style=SEVERITY_STYLES[f.severity]),
            f.source_id,
            f.resource_arn,
            f.status_reason,
        )
    return table


def print_summary(findings: Sequence[Finding], console: Console, *, top: int = 10) -> None:
    """Scores per area, FAIL counts per severity and the ``top`` worst failures."""
    counts = status_counts(findings)
    console.print(_scores_table(findings))
    line = Text("Failures: ")
    for i, (sev, n) in enumerate(failure_counts(findings).items()):
        line.append(f"{sev.value} {n}", style=SEVERITY_STYLES[sev] if n else "dim")
        if i < len(Severity) - 1:
            line.append(" · ")
    console.print(line)
    console.print(
        f"{len(findings)} findings: {counts[Status.FAIL]} failed, {counts[Status.PASS]} passed, "
        f"{counts[Status.NOT_ASSESSED]} not assessed"
    )
    if counts[Status.FAIL]:
        console.print(_failures_table(findings, top))
