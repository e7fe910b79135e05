"""Assessment as a library: collect a snapshot (or load one), run the checks, get findings.

The CLI's ``scan`` and ``demo`` are thin wrappers around these functions, and the
tests call them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from cloudwarden.aws.session import AwsOptions
from cloudwarden.checks.runner import run_checks, select_checks
from cloudwarden.inventory.collector import Progress, ScanScope, collect
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Area, Finding, Severity

if TYPE_CHECKING:  # the IAM analysis loads when a scan asks for it
    from cloudwarden.iam.review import IamReview


@dataclass(frozen=True)
class CheckSelection:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    min_severity: Severity | None = None


@dataclass
class Assessment:
    """A snapshot and its findings; ``iam`` is the snapshot's IAM review when it ran."""

    snapshot: Snapshot
    findings: list[Finding]
    started_at: datetime
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    iam: IamReview | None = None

    @property
    def accounts(self) -> list[str]:
        return [a.id for a in self.snapshot.accounts]


def assess_snapshot(
    snapshot: Snapshot, selection: CheckSelection = CheckSelection()
) -> list[Finding]:
    """Run the selected checks over a snapshot; pure and offline."""
    checks = select_checks(
        include=selection.include,
        exclude=selection.exclude,
        areas=selection.areas,
        min_severity=selection.min_severity,
    )
    return sorted(run_checks(snapshot, checks), key=_order)


def _order(f: Finding) -> tuple[int, str, str, str]:
    return (-f.severity.rank, f.source_id, f.account, f.resource_arn)


def scan(
    options: AwsOptions,
    scope: ScanScope | None = None,
    selection: CheckSelection | None = None,
    progress: Progress | None = None,
) -> Assessment:
    """Collect from AWS (or an AWS-compatible endpoint), then assess."""
    started = datetime.now(UTC)
    snapshot = collect(options, scope or ScanScope(), progress)
    return Assessment(snapshot, assess_snapshot(snapshot, selection or CheckSelection()), started)


def load_and_assess(path: str, selection: CheckSelection = CheckSelection()) -> Assessment:
    started = datetime.now(UTC)
    snapshot = Snapshot.load(path)
    return Assessment(snapshot, assess_snapshot(snapshot, selection), started)


def with_iam_review(result: Assessment, selection: CheckSelection = CheckSelection()) -> Assessment:
    """``result`` with the IAM review of its snapshot: its findings join the checks' (so the
    store, every output format and the ``--fail-on`` gate treat them alike) and the review
    itself is kept in ``iam`` for the report's IAM sections.

    The selection applies to the review's findings as to checks: by id glob (the review's
    ids are :data:`~cloudwarden.iam.review.REVIEW_KINDS`), area and minimum severity; when
    it rules out every id the review is not run at all. The review is offline (no AWS
    call; see :mod:`cloudwarden.iam.review` for its cost). Where it fails on the data,
    the findings say so (NOT_ASSESSED with the reason) and ``iam`` stays None.
    """
    from cloudwarden.iam.review import REVIEW_KINDS, review_or_not_assessed

    if not any(_selected(kind, Area.IDENTITY.value, None, selection) for kind in REVIEW_KINDS):
        return result
    outcome = review_or_not_assessed(result.snapshot)
    review = None if isinstance(outcome, list) else outcome
    added = outcome if isinstance(outcome, list) else outcome.findings()
    kept = [f for f in added if _selected(f.source_id, f.area.value, f.severity, selection)]
    findings = sorted([*result.findings, *kept], key=_order)
    return replace(result, findings=findings, iam=review, finished_at=datetime.now(UTC))


def _selected(
    source_id: str, area: str, severity: Severity | None, selection: CheckSelection
) -> bool:
    """The rule of ``select_checks`` for a finding that no check produced."""
    if selection.include and not any(fnmatchcase(source_id, p) for p in selection.include):
        return False
    if any(fnmatchcase(source_id, p) for p in selection.exclude):
        return False
    if selection.areas and area not in selection.areas:
        return False
    minimum = selection.min_severity
    return severity is None or minimum is None or severity.rank >= minimum.rank


def worst(findings: Sequence[Finding], n: int = 10) -> list[Finding]:
    failed = [f for f in findings if f.failed]
    return sorted(failed, key=lambda f: -f.severity.rank)[:n]
