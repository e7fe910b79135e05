"""Every scanned region needs an active external-access analyzer (own, or the organisation's)."""

from __future__ import annotations

from cloudwarden.model import Resource, Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

CHECK = "accessanalyzer_enabled_all_regions"
REGIONS = ("us-east-1", "eu-west-1")
DELEGATED_ADMIN = "210987654321"


def analyzer(
    name: str, region: str, kind: str = "ACCOUNT", status: str = "ACTIVE", account: str = ACCOUNT
) -> Resource:
    arn = f"arn:aws:access-analyzer:{region}:{account}:analyzer/{name}"
    data = {"arn": arn, "name": name, "type": kind, "status": status}
    return make_resource("AWS::AccessAnalyzer::Analyzer", arn, data, region=region, account=account)


def statuses(resources: list[Resource], **kwargs: object) -> dict[tuple[str, str], Status]:
    snap = make_snapshot(resources, regions=REGIONS, **kwargs)  # type: ignore[arg-type]
    return {(f.account, f.region): f.status for f in findings_for(snap, CHECK)}


def test_each_region_needs_its_own_analyzer() -> None:
    assert statuses([analyzer("main", "us-east-1")]) == {
        (ACCOUNT, "us-east-1"): Status.PASS,
        (ACCOUNT, "eu-west-1"): Status.FAIL,
    }


def test_inactive_and_unused_access_analyzers_do_not_count() -> None:
    found = statuses(
        [
            analyzer("off", "us-east-1", status="DISABLED"),
            analyzer("unused", "eu-west-1", kind="ACCOUNT_UNUSED_ACCESS"),
        ]
    )
    assert set(found.values()) == {Status.FAIL}


def test_organisation_analyzer_covers_members_in_its_region() -> None:
    org = analyzer("org", "eu-west-1", kind="ORGANIZATION", account=DELEGATED_ADMIN)
    found = statuses([org, analyzer("main", "us-east-1")], accounts=[ACCOUNT, DELEGATED_ADMIN])
    assert found[(ACCOUNT, "eu-west-1")] is Status.PASS
    assert found[(DELEGATED_ADMIN, "eu-west-1")] is Status.PASS
    assert found[(DELEGATED_ADMIN, "us-east-1")] is Status.FAIL


def test_region_without_backend_is_not_assessed_not_failed() -> None:
    err = collection_error("AWS::AccessAnalyzer::Analyzer", region="eu-west-1", code="500")
    found = statuses([analyzer("main", "us-east-1")], errors=[err])
    assert found == {
        (ACCOUNT, "us-east-1"): Status.PASS,
        (ACCOUNT, "eu-west-1"): Status.NOT_ASSESSED,
    }
