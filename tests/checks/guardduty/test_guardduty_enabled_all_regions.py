"""guardduty_enabled_all_regions: one result per scanned region, from the detectors found there."""

from __future__ import annotations

from typing import Any

from cloudwarden.model import Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

DETECTOR = "AWS::GuardDuty::Detector"
REGIONS = ("us-east-1", "eu-west-1", "ap-south-1", "us-west-2")


def detector(region: str, **data: Any) -> Any:
    arn = f"arn:aws:guardduty:{region}:{ACCOUNT}:detector/d-{region}"
    return make_resource(DETECTOR, arn, {"DetectorId": f"d-{region}", **data}, region=region)


def scope(region: str) -> str:
    return f"arn:aws:guardduty:{region}:{ACCOUNT}:account"


def test_each_region_is_judged_on_its_own_detector() -> None:
    snap = make_snapshot(
        [
            detector("us-east-1", Status="ENABLED"),
            detector("eu-west-1", Status="DISABLED"),
            detector("us-west-2", _errors={"Detector": "guardduty:GetDetector: AccessDenied"}),
        ],
        regions=REGIONS,
    )
    found = {f.resource_arn: f for f in findings_for(snap, "guardduty_enabled_all_regions")}
    assert found[scope("us-east-1")].status is Status.PASS
    assert found[scope("eu-west-1")].status is Status.FAIL
    assert "suspended" in found[scope("eu-west-1")].status_reason
    assert found[scope("ap-south-1")].status is Status.FAIL
    assert found[scope("ap-south-1")].status_reason == "GuardDuty has no detector in ap-south-1"
    assert found[scope("us-west-2")].status is Status.NOT_ASSESSED


def test_region_whose_detectors_could_not_be_listed_is_not_failed() -> None:
    snap = make_snapshot(
        [], regions=("us-east-1",), errors=[collection_error(DETECTOR, region="us-east-1")]
    )
    [finding] = findings_for(snap, "guardduty_enabled_all_regions")
    assert finding.status is Status.NOT_ASSESSED
