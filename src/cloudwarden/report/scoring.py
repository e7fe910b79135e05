"""Per-area scores and severity counts, shared by the HTML report and the terminal summary.

The score of an area is the severity-weighted share of assessed findings that pass:
``sum(weight of PASS) / sum(weight of PASS and FAIL)``. Weighting by severity makes
the score follow risk rather than the number of checks: one exposed critical resource
should pull an area down more than ten low-severity hygiene items, and fixing it
should lift it more. NOT_ASSESSED findings are left out (nothing is known about
them) and counted separately, so a scan with missing permissions cannot look better
or worse than it is. The unweighted pass count is reported beside the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cloudwarden.model import Area, Finding, Severity, Status

SEVERITY_WEIGHTS = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 3.0,
    Severity.LOW: 1.0,
    Severity.INFORMATIONAL: 0.5,
}


@dataclass(frozen=True, slots=True)
class AreaScore:
    area: Area
    passed: int
    failed: int
    not_assessed: int
    score: float | None

    @property
    def assessed(self) -> int:
        return self.passed + self.failed

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


def _score(findings: Iterable[Finding]) -> tuple[int, int, int, float | None]:
    passed = failed = unknown = 0
    good = total = 0.0
    for f in findings:
        weight = SEVERITY_WEIGHTS[f.severity]
        if f.status is Status.PASS:
            passed += 1
            good += weight
            total += weight
        elif f.status is Status.FAIL:
            failed += 1
            total += weight
        else:
            unknown += 1
    return passed, failed, unknown, (good / total if total else None)


def area_scores(findings: Sequence[Finding]) -> list[AreaScore]:
    """One score per pillar area, in the pillar's order, including areas with no findings."""
    by_area: dict[Area, list[Finding]] = {a: [] for a in Area}
    for f in findings:
        by_area[f.area].append(f)
    return [AreaScore(area, *_score(items)) for area, items in by_area.items()]


def overall_score(findings: Sequence[Finding]) -> float | None:
    return _score(findings)[3]


def failure_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """FAIL findings per severity, worst first, with every severity present."""
    counts = {s: 0 for s in sorted(Severity, key=lambda s: s.rank, reverse=True)}
    for f in findings:
        if f.status is Status.FAIL:
            counts[f.severity] += 1
    return counts


def status_counts(findings: Iterable[Finding]) -> dict[Status, int]:
    counts = {s: 0 for s in Status}
    for f in findings:
        counts[f.status] += 1
    return counts


def worst_failures(findings: Iterable[Finding], top: int) -> list[Finding]:
    failed = [f for f in findings if f.status is Status.FAIL]
    failed.sort(key=lambda f: (-f.severity.rank, f.source_id, f.account, f.resource_arn))
    return failed[:top]
