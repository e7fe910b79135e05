"""The GuardDuty collector against moto: detectors with features; none when GuardDuty is off."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext, region: str = "us-east-1") -> tuple[list[Resource], CollectContext]:
    load_builtin("cloudwarden.inventory.services")
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=region)
    return list(run_collector(COLLECTORS.get("guardduty"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "guardduty", operation, "us-east-1", code=code)


def test_detector_with_features(aws: AwsContext) -> None:
    gd = boto3.client("guardduty", region_name="us-east-1")
    detector_id = gd.create_detector(
        Enable=True, Features=[{"Name": "EBS_MALWARE_PROTECTION", "Status": "ENABLED"}]
    )["DetectorId"]
    [detector], cctx = collect(aws)
    assert cctx.errors == []
    assert detector.arn == f"arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/{detector_id}"
    assert detector.data["DetectorId"] == detector_id
    assert detector.data["Status"] == "ENABLED"
    assert {"Name": "EBS_MALWARE_PROTECTION", "Status": "ENABLED"} in detector.data["Features"]
    json.dumps(detector.data)


def test_region_without_detector_emits_nothing_and_records_nothing(aws: AwsContext) -> None:
    found, cctx = collect(aws, "eu-west-1")
    assert (found, cctx.errors) == ([], [])


def test_denied_detail_is_kept_beside_the_detector(aws: AwsContext) -> None:
    boto3.client("guardduty", region_name="us-east-1").create_detector(Enable=True)
    deny(aws, "GetDetector")
    [detector], _ = collect(aws)
    assert "Status" not in detector.data
    assert "AccessDeniedException" in detector.data["_errors"]["Detector"]


def test_denied_listing_is_recorded_so_the_region_is_not_called_off(aws: AwsContext) -> None:
    deny(aws, "ListDetectors")
    found, cctx = collect(aws)
    assert found == []
    assert [e.resource_types for e in cctx.errors] == [("AWS::GuardDuty::Detector",)]
