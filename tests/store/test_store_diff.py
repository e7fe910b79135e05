"""Diff semantics and each finding's life across runs (first/last seen, status changes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from cloudwarden.model import Finding, Status
from cloudwarden.store import RunMeta, Store, StoreError

MakeFinding = Callable[..., Finding]


GONE = None


@pytest.mark.parametrize(
    ("before", "after", "bucket"),
    [
        (Status.PASS, Status.FAIL, "new"),
        (GONE, Status.FAIL, "new"),
        (Status.NOT_ASSESSED, Status.FAIL, "new"),
        (Status.FAIL, Status.FAIL, "still_failing"),
        (Status.FAIL, Status.PASS, "resolved"),
        (Status.FAIL, GONE, "resolved"),
        (Status.FAIL, Status.NOT_ASSESSED, "unassessed"),
        (Status.PASS, Status.PASS, None),
        (Status.PASS, GONE, None),
        (Status.NOT_ASSESSED, Status.NOT_ASSESSED, None),
    ],
)
def test_diff_between_previous_and_latest_run(
    store: Store,
    new_finding: MakeFinding,
    before: Status | None,
    after: Status | None,
    bucket: str | None,
) -> None:
    control = new_finding("always-failing", Status.FAIL)
    store.record_run([control, *([new_finding("x", before)] if before else [])])
    store.record_run([control, *([new_finding("x", after)] if after else [])])
    diff = store.diff()
    buckets = {
        "new": [f.resource_arn for f in diff.new],
        "still_failing": [f.resource_arn for f in diff.still_failing],
        "resolved": [f.resource_arn for f in diff.resolved],
        "unassessed": [f.resource_arn for f in diff.unassessed],
    }
    for name, arns in buckets.items():
        expected = ["arn:aws:s3:::x"] if name == bucket else []
        if name == "still_failing":
            expected = ["arn:aws:s3:::always-failing", *expected]
        assert arns == expected, name
    assert diff.gone == (
        {new_finding("x", Status.FAIL).id} if bucket == "resolved" and after is GONE else set()
    )


def test_first_run_makes_every_failure_new(store: Store, new_finding: MakeFinding) -> None:
    store.record_run([new_finding("a", Status.FAIL), new_finding("b", Status.PASS)])
    diff = store.diff()
    assert diff.run_a is None
    assert [f.resource_arn for f in diff.new] == ["arn:aws:s3:::a"]


def test_diff_between_chosen_runs(store: Store, new_finding: MakeFinding) -> None:
    r1 = store.record_run([new_finding("a", Status.FAIL)])
    store.record_run([new_finding("a", Status.PASS)])
    r3 = store.record_run([new_finding("a", Status.FAIL)])
    assert [f.resource_arn for f in store.diff(r1, r3).still_failing] == ["arn:aws:s3:::a"]
    assert store.diff(r1, r3).run_a == r1


def test_default_previous_run_is_of_the_same_kind(store: Store, new_finding: MakeFinding) -> None:
    scan = store.record_run([new_finding("a", Status.FAIL)], RunMeta(kind="scan"))
    store.record_run([], RunMeta(kind="detect"))
    latest = store.record_run([new_finding("a", Status.FAIL)], RunMeta(kind="scan"))
    diff = store.diff()
    assert (diff.run_a, diff.run_b) == (scan, latest)
    assert len(diff.still_failing) == 1


def test_diff_needs_a_run(store: Store) -> None:
    with pytest.raises(StoreError, match="no runs recorded"):
        store.diff()


def test_first_and_last_seen_and_status_history(
    store: Store, new_finding: MakeFinding, at: Callable[[int], datetime]
) -> None:
    a_fail, a_pass = new_finding("a", Status.FAIL), new_finding("a", Status.PASS)
    b = new_finding("b", Status.FAIL)
    r1 = store.record_run([a_fail, b], RunMeta(started_at=at(1)))
    r2 = store.record_run([a_fail], RunMeta(started_at=at(2)))
    r3 = store.record_run([a_pass], RunMeta(started_at=at(3)))

    state = store.states()
    assert (state[a_fail.id].first_seen, state[a_fail.id].last_seen) == (at(1), at(3))
    assert state[a_fail.id].status is Status.PASS
    assert state[a_fail.id].last_change == at(3)
    assert (state[a_fail.id].first_run_id, state[a_fail.id].last_run_id) == (r1, r3)
    assert state[b.id].status is None  # gone since run 2
    assert (state[b.id].last_seen, state[b.id].last_change) == (at(1), at(2))

    assert store.status_changes(a_fail.id) == [
        (r1, None, Status.FAIL),
        (r3, Status.FAIL, Status.PASS),
    ]
    assert store.status_changes(b.id) == [(r1, None, Status.FAIL), (r2, Status.FAIL, None)]


def test_a_failing_finding_keeps_its_failing_since_time(
    store: Store, new_finding: MakeFinding, at: Callable[[int], datetime]
) -> None:
    f = new_finding("a", Status.FAIL)
    for n in (1, 2, 3):
        store.record_run([f], RunMeta(started_at=at(n)))
    assert store.states([f.id])[f.id].last_change == at(1)


def test_a_duplicate_in_one_run_counts_once_and_fail_wins(
    store: Store, new_finding: MakeFinding
) -> None:
    fail, passed = new_finding("a", Status.FAIL), new_finding("a", Status.PASS)
    store.record_run([passed, fail])
    assert store.states()[fail.id].status is Status.FAIL
    assert len(store.diff().new) == 1


def test_gone_is_judged_within_the_same_kind_of_run(store: Store, new_finding: MakeFinding) -> None:
    f = new_finding("a", Status.FAIL)
    store.record_run([f], RunMeta(kind="scan"))
    store.record_run([], RunMeta(kind="detect"))
    assert store.states()[f.id].status is Status.FAIL
