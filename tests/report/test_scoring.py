"""Area scores: severity-weighted pass share of assessed findings; NOT_ASSESSED kept apart."""

from __future__ import annotations

import pytest

from cloudwarden.model import Area, Finding, Severity, Status
from cloudwarden.report.scoring import area_scores, failure_counts, overall_score, worst_failures

P, F, N = Status.PASS, Status.FAIL, Status.NOT_ASSESSED
C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def make(base: Finding, items: list[tuple[Status, Severity]]) -> list[Finding]:
    return [base.model_copy(update={"status": s, "severity": v}) for s, v in items]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], None),
        ([(N, H)], None),
        ([(P, H)], 100),
        ([(F, H)], 0),
        ([(P, L), (F, L)], 50),
        ([(P, L), (F, C)], 9),  # 1 / (1 + 10): a critical failure dominates
        ([(P, C), (F, L)], 91),
        ([(P, H), (F, H), (N, C)], 50),  # not assessed does not count either way
    ],
)
def test_area_score(
    items: list[tuple[Status, Severity]], expected: int | None, findings: list[Finding]
) -> None:
    data = make(findings[0], items)
    score = next(s for s in area_scores(data) if s.area is Area.DATA)
    assert score.percent == expected
    assert score.not_assessed == sum(1 for s, _ in items if s is N)


def test_every_area_is_scored_in_pillar_order(findings: list[Finding]) -> None:
    assert [s.area for s in area_scores(findings)] == list(Area)


def test_overall_and_counts(findings: list[Finding]) -> None:
    assert overall_score([]) is None
    counts = failure_counts(findings)
    assert list(counts) == [C, H, M, L, Severity.INFORMATIONAL]
    assert counts == {C: 1, H: 1, M: 1, L: 1, Severity.INFORMATIONAL: 1}


def test_worst_failures_are_ordered_by_severity(findings: list[Finding]) -> None:
    worst = worst_failures(findings, 2)
    assert [f.severity for f in worst] == [C, H]
