"""The ``cloudwarden`` command: thin wrappers over library functions.

Exit codes: 0 success; 1 a ``--fail-on`` gate tripped; 2 a user-facing error
(bad input, credentials, endpoint, file), printed as one line on stderr.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from cloudwarden.cli import controls as controls_cmd
from cloudwarden.cli import demo as demo_cmd
from cloudwarden.cli import detect as detect_cmd
from cloudwarden.cli import findings as findings_cmd
from cloudwarden.cli import lab as lab_cmd
from cloudwarden.cli import respond as respond_cmd
from cloudwarden.cli import scan as scan_cmd
from cloudwarden.cli.common import UserError, error_line

app = typer.Typer(
    name="cloudwarden",
    help="The AWS Well-Architected Security Pillar as working software.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("scan")(scan_cmd.scan)
app.command("checks")(scan_cmd.list_checks)
app.command("scanner-policy")(scan_cmd.scanner_policy_cmd)
app.command("responder-policy")(respond_cmd.responder_policy_cmd)
app.command("demo")(demo_cmd.demo)
app.command("controls")(controls_cmd.controls)
app.add_typer(lab_cmd.app, name="lab")
app.add_typer(findings_cmd.app, name="findings")
app.add_typer(detect_cmd.app, name="detect")
app.add_typer(respond_cmd.app, name="respond")


def _register_optional() -> None:
    """Commands of capabilities that may not be installed in this build yet."""
    try:
        iam_cmd = importlib.import_module("cloudwarden.cli.iam")
    except ModuleNotFoundError:
        return
    app.add_typer(iam_cmd.app, name="iam")


_register_optional()


def main(argv: list[str] | None = None) -> int:
    try:
        # outside standalone mode click returns a command's typer.Exit code instead of exiting
        code = app(args=argv, standalone_mode=False)
    except UserError as exc:
        error_line(str(exc))
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except Exception as exc:
        mapped = _known_error(exc)
        if mapped is not None:
            error_line(mapped)
            return 2
        if os.environ.get("CLOUDWARDEN_DEBUG"):
            raise
        error_line(
            f"internal error: {type(exc).__name__}: {exc} (set CLOUDWARDEN_DEBUG=1 for details)"
        )
        return 3
    return code if isinstance(code, int) else 0


def _click_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The classes of click's usage errors (a bad option or argument, an unreadable path
    option) and of its abort, from each click the CLI may run on: typer 0.2x carries its own
    copy (``typer._click``), older typer runs on click itself."""
    usage: list[type[Exception]] = []
    abort: list[type[Exception]] = [typer.Abort]
    try:
        from typer._click import exceptions as vendored

        usage.append(vendored.ClickException)
    except ImportError:
        pass
    try:
        import click

        usage.append(click.exceptions.ClickException)
        abort.append(click.exceptions.Abort)
    except ImportError:
        pass
    return tuple(usage), tuple(abort)


def _known_error(exc: Exception) -> str | None:
    from cloudwarden.aws.errors import AwsError
    from cloudwarden.inventory.snapshot import SnapshotError
    from cloudwarden.lab.daemon import LabError

    usage, abort = _click_errors()
    if isinstance(exc, usage):
        message: str = exc.format_message()  # type: ignore[attr-defined]
        return message
    if isinstance(exc, abort):
        return "aborted"
    if isinstance(exc, (AwsError, SnapshotError, LabError)):
        return str(exc)
    try:
        from cloudwarden.store import StoreError
    except ImportError:
        return None
    return str(exc) if isinstance(exc, StoreError) else None


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
