"""``cloudwarden demo``: the lab up, its organisation scanned, the run stored, the report written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudwarden.cli.common import interactive, progress_bar, stderr, stdout
from cloudwarden.cli.output import OutputOptions, deliver
from cloudwarden.lab.demo import run_demo


def demo(
    output_dir: Annotated[Path, typer.Option(help="Where the report and snapshot go.")] = Path(
        "cloudwarden-demo"
    ),
    db: Annotated[Path | None, typer.Option(help="DuckDB store (default: user data dir).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Bring up the embedded lab, scan its vulnerable-by-design organisation, write the report."""

    def seeding(name: str) -> None:
        if interactive(quiet):
            stderr.print(f"seeding lab: {name}")

    if not quiet:
        stdout.print("starting the lab (moto on 127.0.0.1) and seeding its organisation ...")
    with progress_bar("scanning the lab organisation", quiet) as progress:
        result = run_demo(seeding, progress)
    snapshot = result.assessment.snapshot.save(output_dir / "lab-snapshot.json.gz")
    report = output_dir / "report.html"
    out = OutputOptions(fmt="html", output=report, db=db, quiet=quiet)
    code = deliver(result.assessment, out, kind="scan")
    if not quiet:
        accounts = ", ".join(f"{k} {v}" for k, v in result.env.accounts.items())
        stdout.print(f"lab organisation: {accounts}")
        stdout.print(
            f"snapshot saved to {snapshot} (re-assess offline: cloudwarden scan --snapshot {snapshot})"
        )
        stdout.print(f"open the report: [bold]{report.resolve()}[/bold]")
    raise typer.Exit(code)
