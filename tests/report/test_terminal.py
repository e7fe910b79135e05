"""The terminal summary: scores per area, failures by severity, the worst failures."""

from __future__ import annotations

from rich.console import Console

from cloudwarden.model import Finding, Status
from cloudwarden.report import print_summary


def test_summary_shows_scores_counts_and_worst_failures(findings: list[Finding]) -> None:
    console = Console(record=True, width=160, color_system=None)
    print_summary(findings, console, top=3)
    text = console.export_text()
    for area in ("Identity & access", "Detection", "Data protection", "Incident response"):
        assert area in text
    assert "critical 1" in text and "high 1" in text
    assert "8 findings: 5 failed, 2 passed, 1 not assessed" in text
    assert "Worst failures (top 3)" in text
    assert "ec2_securitygroup_admin_ports_closed" in text
    assert "console_login_without_mfa" not in text  # informational, beyond the top 3


def test_no_failure_table_when_everything_passes(findings: list[Finding]) -> None:
    console = Console(record=True, width=160, color_system=None)
    print_summary([f for f in findings if f.status is Status.PASS], console)
    assert "Worst failures" not in console.export_text()
