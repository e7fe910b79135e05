"""The lab's promise, driven by its manifest: every planted weakness is caught by the check
named for it, and no compliant twin is flagged by that check."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.assess import assess_snapshot
from cloudwarden.checks.runner import all_checks
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import Weakness, load_manifest
from cloudwarden.model import Area, Finding, Status

MANIFEST = load_manifest()
pytestmark = pytest.mark.lab


def _by(demo: DemoResult, check: str, arn: str) -> list[Status]:
    return [
        f.status for f in demo.assessment.findings if f.source_id == check and f.resource_arn == arn
    ]


def test_manifest_is_large_and_covers_every_area() -> None:
    assert len(MANIFEST) >= 40
    assert {w.area for w in MANIFEST} >= {a.value for a in Area}
    assert len({w.id for w in MANIFEST}) == len(MANIFEST), "weakness ids are unique"


def test_manifest_names_only_existing_checks() -> None:
    known = {c.id for c in all_checks()}
    assert {c for w in MANIFEST for c in w.checks} <= known


@pytest.mark.parametrize("weakness", MANIFEST, ids=lambda w: w.id)
def test_planted_weakness_is_reported_fail(demo: DemoResult, weakness: Weakness) -> None:
    arn = weakness.arn(demo.env)
    for check in weakness.checks:
        assert Status.FAIL in _by(demo, check, arn), f"{check} did not FAIL {arn}"


@pytest.mark.parametrize("weakness", MANIFEST, ids=lambda w: w.id)
def test_compliant_twin_is_not_failed(demo: DemoResult, weakness: Weakness) -> None:
    arn = weakness.twin_arn(demo.env)
    for check in weakness.checks:
        statuses = _by(demo, check, arn)
        assert statuses, f"{check} says nothing about twin {arn}"
        assert Status.FAIL not in statuses, f"{check} flagged compliant twin {arn}"


def test_saved_snapshot_reassessed_offline_gives_the_same_findings(
    demo: DemoResult, tmp_path: Path
) -> None:
    path = demo.assessment.snapshot.save(tmp_path / "lab.json.gz")
    offline = assess_snapshot(Snapshot.load(path))

    def key(findings: list[Finding]) -> list[tuple[str, str, str]]:
        return sorted((f.id, f.status.value, f.status_reason) for f in findings)

    assert key(offline) == key(demo.assessment.findings)


def test_lab_scan_covers_the_organisation(demo: DemoResult) -> None:
    snap = demo.assessment.snapshot
    assert {a.id for a in snap.accounts} == set(demo.env.accounts.values())
    management = [a for a in snap.accounts if a.is_management]
    assert [a.id for a in management] == [demo.env.accounts["management"]]
