"""The lab's escalation promise, driven by its manifest: the IAM analysis of the scanned lab
finds every planted escalation with its full path, and reports nothing for any fixed twin.

Reads the one full lab build and organisation scan of the session fixture ``demo``; the
analysis runs offline on that scan's snapshot, SCPs and boundaries included.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.escalations import EscalationScenario, load_escalations
from cloudwarden.lab.seed.privesc import ESC, SCENARIOS

MANIFEST = load_escalations()
HAS_ANALYSIS = importlib.util.find_spec("cloudwarden.iam.analysis") is not None
needs_analysis = pytest.mark.skipif(
    not HAS_ANALYSIS, reason="cloudwarden.iam.analysis (the escalation analysis) is not built yet"
)
pytestmark = pytest.mark.lab


def _short(arn: str) -> str:
    return arn.split(":", 4)[-1]


def test_manifest_covers_twenty_techniques_with_every_kind_of_fix() -> None:
    assert len({s.id for s in MANIFEST}) == len(MANIFEST), "scenario ids are unique"
    assert len({s.technique for s in MANIFEST}) >= 20
    assert {s.twin.fixed_by for s in MANIFEST} == {"boundary", "scp", "condition"}
    assert len({s.principal for s in MANIFEST} | {s.twin.principal for s in MANIFEST}) == (
        2 * len(MANIFEST)
    ), "every scenario has its own principal and twin"


def test_manifest_and_seeder_name_the_same_scenarios() -> None:
    seeded = {f"{ESC}{s.slug}" for s in SCENARIOS}
    listed = {s.principal.rsplit("/", 1)[-1] for s in MANIFEST}
    assert listed == seeded


@needs_analysis
def test_manifest_names_only_known_techniques() -> None:
    from cloudwarden.iam.analysis import TECHNIQUES

    known = {t.id for t in TECHNIQUES}
    named = {s.technique for s in MANIFEST} | {h.technique for s in MANIFEST for h in s.path}
    assert named <= known, f"unknown techniques: {sorted(named - known)}"


@pytest.fixture(scope="module")
def analysis(demo: DemoResult) -> Any:
    if not HAS_ANALYSIS:
        pytest.skip("cloudwarden.iam.analysis (the escalation analysis) is not built yet")
    from cloudwarden.iam.analysis import account_data_from_snapshot, analyze

    return analyze(account_data_from_snapshot(demo.assessment.snapshot))


@needs_analysis
@pytest.mark.parametrize("scenario", MANIFEST, ids=lambda s: s.id)
def test_scenario_is_found_with_its_full_path(
    demo: DemoResult, analysis: Any, scenario: EscalationScenario
) -> None:
    principal = scenario.principal_arn(demo.env)
    expected = scenario.hops(demo.env)
    found = [p for p in analysis.paths if p.principal == principal]
    assert found, f"no escalation path from {_short(principal)}"
    routes = [tuple((h.technique, h.target) for h in p.hops) for p in found]
    assert expected in routes, f"{_short(principal)}: expected {expected}, found {routes}"
    path = found[routes.index(expected)]
    assert path.hops[0].source == principal
    assert all(h.permissions for h in path.hops), "every hop names the permissions it used"
    assert path.reaches == expected[-1][1]


@needs_analysis
@pytest.mark.parametrize("scenario", MANIFEST, ids=lambda s: s.id)
def test_fixed_twin_is_not_reported(
    demo: DemoResult, analysis: Any, scenario: EscalationScenario
) -> None:
    twin = scenario.twin_arn(demo.env)
    assert demo.assessment.snapshot.by_arn(twin) is not None, f"twin {_short(twin)} not seeded"
    assert [p.hops for p in analysis.paths if p.principal == twin] == []
    first_target = scenario.hops(demo.env)[0][1]
    leads = [e for e in analysis.edges if e.source == twin and e.target == first_target]
    assert leads == [], f"{_short(twin)} ({scenario.twin.fixed_by}) still has {leads}"
    assert twin not in {a.principal for a in analysis.admins}
