"""Shared CLI plumbing: one-line errors, progress bars that stay quiet off a TTY."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# no emoji codes: ARNs hold them (Secrets Manager's ``...:secret:name`` became a symbol)
stdout = Console(emoji=False)
stderr = Console(stderr=True, emoji=False)


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def error_line(message: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else "error"
    print(f"cloudwarden: error: {first}", file=sys.stderr)


def default_db() -> Path:
    env = os.environ.get("CLOUDWARDEN_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("cloudwarden")) / "cloudwarden.duckdb"


def interactive(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not interactive(quiet):
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
