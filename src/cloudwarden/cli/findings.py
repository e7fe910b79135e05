"""``cloudwarden findings list|diff``: what the store remembers across runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cloudwarden.cli.common import UserError, stdout
from cloudwarden.model import Area, Finding, Severity, Status
from cloudwarden.store import Store

app = typer.Typer(help="Findings recorded in the local store.", no_args_is_help=True)

DbOpt = Annotated[Path | None, typer.Option(help="DuckDB store (default: user data dir).")]


def _table(findings: Sequence[Finding], title: str) -> Table:
    table = Table("status", "severity", title=title)
    table.add_column("check", no_wrap=True)
    for column in ("account", "region", "resource", "reason"):
        table.add_column(column)
    for f in findings:
        table.add_row(
            f.status.value,
            f.severity.value,
            f.source_id,
            f.account,
            f.region,
            f.resource_arn,
            f.status_reason,
        )
    return table


def _enum(cls: type[Status] | type[Severity] | type[Area], value: str | None) -> str | None:
    if value is None:
        return None
    known = [m.value for m in cls]
    for candidate in (value, value.upper(), value.lower()):
        if candidate in known:
            return candidate
    raise UserError(
        f"unknown {cls.__name__.lower()} {value!r} (expected one of: {', '.join(known)})"
    )


@app.command("list")
def list_findings(
    run: Annotated[str | None, typer.Option(help="Run id (default: the latest).")] = None,
    status: Annotated[str | None, typer.Option(help="PASS, FAIL or NOT_ASSESSED.")] = None,
    severity: Annotated[
        str | None, typer.Option(help="critical, high, medium, low, informational.")
    ] = None,
    area: Annotated[str | None, typer.Option(help="Area id, e.g. data_protection.")] = None,
    db: DbOpt = None,
) -> None:
    """List the findings of a run."""
    st, sev, ar = _enum(Status, status), _enum(Severity, severity), _enum(Area, area)
    with Store.open(db, read_only=True) as store:
        if store.latest_run() is None:
            raise UserError("the store has no runs yet (run: cloudwarden scan)")
        found = store.findings(
            run,
            status=Status(st) if st else None,
            severity=Severity(sev) if sev else None,
            area=Area(ar) if ar else None,
        )
    stdout.print(_table(found, f"{len(found)} findings"))


@app.command()
def diff(
    old: Annotated[
        str | None, typer.Option("--from", help="Older run id (default: the previous run).")
    ] = None,
    new: Annotated[
        str | None, typer.Option("--to", help="Newer run id (default: the latest run).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """What is new, still failing and resolved since the previous run."""
    with Store.open(db, read_only=True) as store:
        if store.latest_run() is None:
            raise UserError("the store has no runs yet (run: cloudwarden scan)")
        d = store.diff(old, new)
    stdout.print(f"runs: {d.run_a or '(none)'} -> {d.run_b}")
    stdout.print(_table(d.new, f"new failures: {len(d.new)}"))
    stdout.print(_table(d.resolved, f"resolved: {len(d.resolved)}"))
    if d.unassessed:
        stdout.print(_table(d.unassessed, f"no longer assessed: {len(d.unassessed)}"))
    stdout.print(f"still failing: {len(d.still_failing)}")
