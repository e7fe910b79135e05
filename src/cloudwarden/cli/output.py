"""After an assessment: record the run, write the chosen format, print the summary, apply the gate."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cloudwarden.assess import Assessment
from cloudwarden.checks.runner import all_checks
from cloudwarden.cli.common import UserError, stdout
from cloudwarden.model import Severity
from cloudwarden.report import (
    HtmlSection,
    ReportContext,
    ReportError,
    all_renderers,
    context_for_run,
    fail_on,
    get_renderer,
    print_summary,
    write_output,
)
from cloudwarden.store import RunMeta, Store, snapshot_meta


@dataclass(frozen=True)
class OutputOptions:
    fmt: str = "ocsf"
    output: Path | None = None
    fail_on: Severity | None = None
    db: Path | None = None
    no_store: bool = False
    quiet: bool = False

    def validate(self) -> None:
        names = sorted(r.name for r in all_renderers())
        if self.fmt not in names:
            raise UserError(f"unknown format {self.fmt!r} (expected one of: {', '.join(names)})")


def deliver(
    result: Assessment,
    out: OutputOptions,
    kind: str = "scan",
    *,
    extra_sections: Sequence[HtmlSection] = (),
    also_store: Callable[[Store], None] | None = None,
) -> int:
    """Store, render and summarise; return the process exit code (1 when the gate trips).

    ``also_store`` records more (the demo's alerts) in the same store session;
    ``extra_sections`` are added to the HTML report."""
    context = _record(result, out, kind, extra_sections, also_store)
    if out.output is not None:
        try:
            write_output(get_renderer(out.fmt), result.findings, context, out.output)
        except ReportError as exc:
            raise UserError(str(exc)) from None
    if not out.quiet:
        print_summary(result.findings, stdout)
        if out.output is not None:
            stdout.print(f"report ({out.fmt}) written to [bold]{out.output}[/bold]")
    elif out.output is None:
        # quiet and no file: the machine format goes to stdout, for piping
        sys.stdout.buffer.write(get_renderer(out.fmt).render(result.findings, context))
        sys.stdout.flush()
    return 1 if out.fail_on is not None and fail_on(result.findings, out.fail_on) else 0


def _record(
    result: Assessment,
    out: OutputOptions,
    kind: str,
    extra_sections: Sequence[HtmlSection],
    also_store: Callable[[Store], None] | None,
) -> ReportContext:
    if out.no_store:
        return ReportContext(
            accounts=tuple(result.accounts),
            started_at=result.started_at,
            extra_sections=tuple(extra_sections),
        )
    meta = RunMeta(
        kind=kind,
        started_at=result.started_at,
        finished_at=result.finished_at,
        accounts=tuple(result.accounts),
        snapshot=snapshot_meta(result.snapshot),
    )
    with Store.open(out.db) as store:
        run_id = store.record_run(result.findings, meta)
        if also_store is not None:
            also_store(store)
        return context_for_run(
            store,
            run_id,
            findings=result.findings,
            checks=all_checks(),
            extra_sections=tuple(extra_sections),
        )
