"""``cloudwarden lab up|down|status``: the seeded emulator in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudwarden.cli.common import stdout
from cloudwarden.lab.daemon import (
    LabState,
    default_state_file,
    is_alive,
    read_state,
    start_background,
    stop_background,
)

app = typer.Typer(
    help="The embedded AWS lab: a vulnerable-by-design organisation on 127.0.0.1.",
    no_args_is_help=True,
)

StateOpt = Annotated[
    Path | None, typer.Option("--state-file", help="Where the lab's state is kept.")
]


def _describe(state: LabState) -> None:
    stdout.print(f"lab running at [bold]{state.endpoint}[/bold] (pid {state.pid})")
    for role, acct in state.accounts.items():
        stdout.print(f"  {role:<11} {acct}")
    stdout.print(f"  regions     {', '.join(state.regions)}")
    stdout.print(
        "scan it with:  AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab "
        f"cloudwarden scan --endpoint-url {state.endpoint} --organization "
        + " ".join(f"--region {r}" for r in state.regions)
    )


@app.command()
def up(state_file: StateOpt = None) -> None:
    """Start the lab in the background and seed its organisation."""
    state = start_background(state_file or default_state_file())
    _describe(state)


@app.command()
def down(state_file: StateOpt = None) -> None:
    """Stop the background lab."""
    stopped = stop_background(state_file or default_state_file())
    stdout.print("lab stopped" if stopped else "no lab was running")


@app.command()
def status(state_file: StateOpt = None) -> None:
    """Say whether the lab is running, and where."""
    state = read_state(state_file or default_state_file())
    if state is None or not is_alive(state):
        stdout.print("lab is not running (start it with: cloudwarden lab up)")
        raise typer.Exit(1)
    _describe(state)
