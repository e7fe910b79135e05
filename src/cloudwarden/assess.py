"""Assessment as a library: collect a snapshot (or load one), run the checks, get findings.

The CLI's ``scan`` and ``demo`` are thin wrappers around these functions, and the
tests call them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cloudwarden.aws.session import AwsOptions
from cloudwarden.checks.runner import run_checks, select_checks
from cloudwarden.inventory.collector import Progress, ScanScope, collect
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Finding, Severity


@dataclass(frozen=True)
class CheckSelection:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    min_severity: Severity | None = None


@dataclass
class Assessment:
    snapshot: Snapshot
    findings: list[Finding]
    started_at: datetime
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))

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
    findings = run_checks(snapshot, checks)
    return sorted(
        findings, key=lambda f: (-f.severity.rank, f.source_id, f.account, f.resource_arn)
    )


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


def worst(findings: Sequence[Finding], n: int = 10) -> list[Finding]:
    failed = [f for f in findings if f.failed]
    return sorted(failed, key=lambda f: -f.severity.rank)[:n]
