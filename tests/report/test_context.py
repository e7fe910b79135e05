"""ReportContext built from a recorded run: metadata, first-seen times, diff, coverage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cloudwarden.model import Finding, Status
from cloudwarden.report import context_for_run
from cloudwarden.store import RunMeta, Store


def test_context_for_the_latest_run(tmp_path: Path, findings: list[Finding]) -> None:
    first = datetime(2025, 1, 1, tzinfo=UTC)
    second = datetime(2025, 1, 2, tzinfo=UTC)
    with Store.open(tmp_path / "s.duckdb") as store:
        store.record_run(findings[:1], RunMeta(started_at=first))
        run_id = store.record_run(
            findings,
            RunMeta(
                started_at=second,
                accounts=("111122223333",),
                snapshot={"created_at": "2025-01-02T00:00:00+00:00"},
            ),
        )
        ctx = context_for_run(store)
    assert ctx.run_id == run_id
    assert ctx.accounts == ("111122223333",)
    assert ctx.snapshot_created_at == second
    assert ctx.first_seen[findings[0].id] == first
    assert ctx.first_seen[findings[3].id] == second
    assert ctx.diff is not None
    assert {f.id for f in ctx.diff.new} == {f.id for f in findings[1:] if f.status is Status.FAIL}
    assert [f.id for f in ctx.diff.still_failing] == [findings[0].id]


def test_context_of_an_empty_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        assert context_for_run(store).run_id is None
