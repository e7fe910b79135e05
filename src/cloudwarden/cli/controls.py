"""``cloudwarden controls``: every best practice and CIS control with the checks that cover it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cloudwarden.checks.runner import all_checks
from cloudwarden.cli.common import UserError, stdout
from cloudwarden.controls import coverage


def controls(
    framework: Annotated[str, typer.Option(help="wa, cis or all.")] = "all",
    uncovered: Annotated[
        bool, typer.Option("--uncovered", help="Only controls no check covers.")
    ] = False,
) -> None:
    """The coverage view: Well-Architected best practices and CIS controls, with their checks."""
    if framework not in ("wa", "cis", "all"):
        raise UserError(f"unknown framework {framework!r} (expected wa, cis or all)")
    rows = [c for c in coverage(all_checks()) if framework in ("all", c.control.framework)]
    if uncovered:
        rows = [c for c in rows if not c.check_ids]
    table = Table("id", "title", "checks")
    for row in rows:
        table.add_row(row.control.id, row.control.title, ", ".join(row.check_ids) or "-")
    stdout.print(table)
    covered = sum(1 for r in rows if r.check_ids)
    stdout.print(f"{covered} of {len(rows)} controls covered by at least one check")
