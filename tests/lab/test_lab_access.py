"""The lab's external-access promise, driven by its manifest: the access analysis of the
scanned lab reports every exposed resource at the zone the manifest names, with the
actions it names and a witness request the IAM engine allows when asked afresh; and it
reports nothing outside the organisation for any locked-down twin.

Reads the one full lab build and organisation scan of the session fixture ``demo``; the
analysis runs offline on that scan's snapshot (RCPs and organisation data included).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.iam import evaluate, parse_policy
from cloudwarden.iam.access import (
    AccessAnalysis,
    ResourceAccess,
    analyse_snapshot,
    outsider_policy_set,
)
from cloudwarden.iam.access.external import RESOURCE_TYPES
from cloudwarden.iam.evaluate import PolicySet
from cloudwarden.iam.snapshot_policies import RCP, SnapshotPolicies
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.lab.build import seed_modules
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import AccessExposure, load_access_manifest, load_manifest
from cloudwarden.lab.seed import access as access_seed
from cloudwarden.model import Status

MANIFEST = load_access_manifest()
ZONE_CHECKS = {
    "public": "iam_access_not_public",
    "outside_org": "iam_access_not_shared_outside_org",
    "in_org": "iam_access_shared_only_within_org",
}
pytestmark = pytest.mark.lab


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1]


def test_manifest_covers_every_resource_type_and_zone() -> None:
    assert len({e.id for e in MANIFEST}) == len(MANIFEST), "entry ids are unique"
    assert {e.resource_type for e in MANIFEST} == set(RESOURCE_TYPES)
    assert {e.scope for e in MANIFEST} == set(ZONE_CHECKS)
    assert all(e.actions for e in MANIFEST), "every entry names an action to expect"
    assert all(e.resource_arn != e.twin.resource_arn for e in MANIFEST)
    assert not {e.id for e in MANIFEST} & {w.id for w in load_manifest()}, (
        "the posture manifest does not load access entries as weaknesses"
    )


def test_access_seeder_runs_after_the_seeders_it_builds_on() -> None:
    order = [m.rsplit(".", 1)[-1] for m in seed_modules()]
    assert len(order) == len(set(order)) and "access" in order
    assert all(order.index(before) < order.index("access") for before in access_seed.AFTER)


@pytest.fixture(scope="module")
def analysis(demo: DemoResult) -> AccessAnalysis:
    if demo.iam is not None:
        return demo.iam.access
    return analyse_snapshot(demo.assessment.snapshot)


@pytest.fixture(scope="module")
def by_arn(analysis: AccessAnalysis) -> dict[str, ResourceAccess]:
    return {r.arn: r for r in analysis.external}


def _document(data: dict[str, Any]) -> Any:
    for key in ("Policy", "ResourcePolicy", "AssumeRolePolicyDocument"):
        value = data.get(key)
        if value:
            return json.loads(value) if isinstance(value, str) else value
    raise AssertionError(f"no resource policy collected: {sorted(data)}")


def _policy_set(snapshot: Snapshot, arn: str) -> PolicySet:
    """What an outsider's request meets at ``arn``: its collected policy and the RCPs."""
    resource = snapshot.by_arn(arn)
    assert resource is not None
    data = SnapshotPolicies(snapshot)
    levels = data.organization_levels(resource.account, RCP)
    rcps = None if levels is None else [[parse_policy(d) for d in lvl] for lvl in levels]
    return outsider_policy_set(
        parse_policy(_document(resource.data)),
        resource.account,
        rcps,
        resource_is_management_account=data.is_management(resource.account),
    )


def _statuses(analysis: AccessAnalysis, arn: str) -> dict[str, Status]:
    return {f.source_id: f.status for f in analysis.findings() if f.resource_arn == arn}


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e.id)
def test_exposed_resource_is_reported_with_a_witness_the_engine_allows(
    demo: DemoResult,
    analysis: AccessAnalysis,
    by_arn: dict[str, ResourceAccess],
    entry: AccessExposure,
) -> None:
    arn = entry.arn(demo.env)
    result = by_arn.get(arn)
    assert result is not None, f"{_short(arn)} was not analysed (not collected, or no policy)"
    assert result.resource_type == entry.resource_type
    found = result.scoped(entry.scope)
    assert found, f"{_short(arn)}: nothing at {entry.scope}; found {result.to_dict()['accesses']}"
    actions = {a for access in found for a in access.actions}
    assert set(entry.actions) <= actions, f"{_short(arn)}: {sorted(actions)}"
    policies = _policy_set(demo.assessment.snapshot, arn)
    for access in found:
        assert access.via == "policy"
        assert access.witness.action in access.actions
        decision = evaluate(access.witness.request(result.account), policies)
        assert decision.allowed, (access.grantee, access.witness, decision.reason)
    assert _statuses(analysis, arn)[ZONE_CHECKS[entry.scope]] is Status.FAIL


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e.id)
def test_locked_down_twin_is_not_reported_outside_the_organisation(
    demo: DemoResult,
    analysis: AccessAnalysis,
    by_arn: dict[str, ResourceAccess],
    entry: AccessExposure,
) -> None:
    twin = entry.twin_arn(demo.env)
    resource = demo.assessment.snapshot.by_arn(twin)
    assert resource is not None, f"twin {_short(twin)} not collected"
    assert resource.type == entry.resource_type
    result = by_arn.get(twin)
    assert result is not None, f"twin {_short(twin)} was not analysed"
    assert result.unknown == (), "the absence of access is proven, not assumed"
    zones = sorted({a.scope for a in result.accesses})
    assert zones == sorted(entry.twin.remaining), (
        f"twin {_short(twin)} ({entry.twin.fixed_by}): {result.to_dict()['accesses']}"
    )
    statuses = _statuses(analysis, twin)
    assert statuses[ZONE_CHECKS["public"]] is Status.PASS
    assert statuses[ZONE_CHECKS["outside_org"]] is Status.PASS


def test_planted_resources_fail_no_posture_check(demo: DemoResult) -> None:
    """What this seeder plants differs from a hardened resource only in its policy, so
    the lab's posture findings (and their counts) do not move for any other reason."""
    arns = {a for e in MANIFEST for a in (e.arn(demo.env), e.twin_arn(demo.env))}
    planted = {a for a in arns if access_seed.PREFIX in a}
    assert len(planted) == 9, sorted(planted)
    failed = [
        (f.source_id, _short(f.resource_arn))
        for f in demo.assessment.findings
        if f.resource_arn in planted and f.status is Status.FAIL
    ]
    assert failed == []
