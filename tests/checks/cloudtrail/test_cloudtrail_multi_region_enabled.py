"""cloudtrail_multi_region_enabled: one result per account, from the trails it can see."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

TRAIL = "AWS::CloudTrail::Trail"
SCOPE = f"arn:aws:cloudtrail::{ACCOUNT}:account"
MGMT = "999999999999"


def trail(name: str = "main", *, owner: str = ACCOUNT, **data: Any) -> Any:
    base: dict[str, Any] = {
        "Name": name,
        "IsMultiRegionTrail": True,
        "HomeRegion": "us-east-1",
        "HasCustomEventSelectors": False,
        "TrailStatus": {"IsLogging": True},
        "EventSelectors": [],
        "AdvancedEventSelectors": [],
    }
    arn = f"arn:aws:cloudtrail:us-east-1:{owner}:trail/{name}"
    return make_resource(TRAIL, arn, {**base, **data})


def classic(rw: str, management: bool = True) -> dict[str, Any]:
    return {"ReadWriteType": rw, "IncludeManagementEvents": management, "DataResources": []}


def advanced(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"Name": "sel", "FieldSelectors": list(fields)}


MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


@pytest.mark.parametrize(
    ("trails", "status", "reason"),
    [
        ([trail()], Status.PASS, "multi-region trail main is logging"),
        ([trail(owner=MGMT)], Status.PASS, "multi-region trail main is logging"),
        (
            [
                trail(
                    HasCustomEventSelectors=True,
                    EventSelectors=[classic("ReadOnly"), classic("WriteOnly")],
                )
            ],
            Status.PASS,
            "read and write management events",
        ),
        (
            [trail(HasCustomEventSelectors=True, AdvancedEventSelectors=[advanced(MANAGEMENT)])],
            Status.PASS,
            "read and write management events",
        ),
        ([], Status.FAIL, "no CloudTrail trail exists"),
        ([trail(IsMultiRegionTrail=False)], Status.FAIL, "records only us-east-1"),
        ([trail(TrailStatus={"IsLogging": False})], Status.FAIL, "is not logging"),
        (
            [trail(HasCustomEventSelectors=True, EventSelectors=[classic("WriteOnly")])],
            Status.FAIL,
            "records write management events",
        ),
        (
            [
                trail(
                    HasCustomEventSelectors=True,
                    AdvancedEventSelectors=[
                        advanced(MANAGEMENT, {"Field": "readOnly", "Equals": ["true"]})
                    ],
                )
            ],
            Status.FAIL,
            "records read management events",
        ),
        (
            [trail(TrailStatus=None, _errors={"TrailStatus": "AccessDenied"})],
            Status.NOT_ASSESSED,
            "status of trail main unknown",
        ),
    ],
    ids=[
        "own-trail",
        "organisation-trail-seen-from-member",
        "read-only-plus-write-only-selectors",
        "advanced-management-selector",
        "no-trail",
        "single-region",
        "stopped",
        "write-only",
        "advanced-read-only",
        "status-unreadable",
    ],
)
def test_account_result(trails: list[Any], status: Status, reason: str) -> None:
    findings = findings_for(make_snapshot(trails), "cloudtrail_multi_region_enabled")
    assert [(f.resource_arn, f.status) for f in findings] == [(SCOPE, status)]
    assert reason in findings[0].status_reason


def test_unreadable_region_makes_a_missing_trail_not_assessed() -> None:
    snap = make_snapshot([], errors=[collection_error(TRAIL, region="eu-west-1")])
    statuses = {
        f.resource_arn: f.status for f in findings_for(snap, "cloudtrail_multi_region_enabled")
    }
    assert statuses[SCOPE] is Status.NOT_ASSESSED
    assert statuses[f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:account"] is Status.NOT_ASSESSED
