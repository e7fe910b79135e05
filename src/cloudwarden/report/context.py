"""Building a ReportContext from a recorded run, so the CLI needs one call per report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from cloudwarden.controls import CheckLike, coverage
from cloudwarden.model import Finding
from cloudwarden.report.api import HtmlSection, ReportContext
from cloudwarden.store import Store


def context_for_run(
    store: Store,
    run_id: str | None = None,
    *,
    findings: Sequence[Finding] | None = None,
    checks: Iterable[CheckLike] | None = None,
    with_diff: bool = True,
    extra_sections: Sequence[HtmlSection] = (),
) -> ReportContext:
    """Run metadata, first-seen times, the diff to the previous run and (given the checks
    that ran) the controls coverage, for the run ``run_id`` (the latest by default)."""
    run = store.run(run_id) if run_id is not None else store.latest_run()
    if run is None:
        return ReportContext(extra_sections=tuple(extra_sections))
    items = findings if findings is not None else store.findings(run.id)
    states = store.states([f.id for f in items])
    created = run.snapshot.get("created_at")
    return ReportContext(
        run_id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        accounts=run.accounts,
        snapshot_created_at=_parse_time(created) if isinstance(created, str) else None,
        diff=store.diff(run_b=run.id) if with_diff else None,
        coverage=tuple(coverage(checks)) if checks is not None else (),
        first_seen={fid: s.first_seen for fid, s in states.items()},
        extra_sections=tuple(extra_sections),
    )


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
