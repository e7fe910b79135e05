"""The CloudTrail collector against moto: one resource per trail, in its home region."""

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
    return list(run_collector(COLLECTORS.get("cloudtrail"), cctx)), cctx


def deny(aws: AwsContext, region: str, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "cloudtrail", operation, region)


def make_trails() -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="trail-logs")
    home = boto3.client("cloudtrail", region_name="us-east-1")
    home.create_trail(
        Name="everywhere",
        S3BucketName="trail-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    home.start_logging(Name="everywhere")
    home.put_event_selectors(
        TrailName="everywhere",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    boto3.client("cloudtrail", region_name="eu-west-1").create_trail(
        Name="local", S3BucketName="trail-logs"
    )


def test_trails_with_status_and_selectors_in_their_home_region(aws: AwsContext) -> None:
    make_trails()
    found, cctx = collect(aws)
    assert cctx.errors == []
    [trail] = found
    assert trail.arn == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/everywhere"
    assert (trail.type, trail.region, trail.name) == (
        "AWS::CloudTrail::Trail",
        "us-east-1",
        "everywhere",
    )
    assert trail.data["IsMultiRegionTrail"] and trail.data["LogFileValidationEnabled"]
    assert trail.data["TrailStatus"]["IsLogging"] is True
    assert trail.data["EventSelectors"][0]["DataResources"][0]["Values"] == ["arn:aws:s3"]
    json.dumps(trail.data)


def test_multi_region_trail_is_not_repeated_in_other_regions(aws: AwsContext) -> None:
    make_trails()
    found, _ = collect(aws, "eu-west-1")
    assert [t.name for t in found] == ["local"]
    assert found[0].data["TrailStatus"]["IsLogging"] is False


def test_denied_status_call_is_kept_beside_the_trail(aws: AwsContext) -> None:
    make_trails()
    deny(aws, "us-east-1", "GetTrailStatus")
    [trail], cctx = collect(aws)
    assert trail.data["TrailStatus"] is None
    assert "AccessDeniedException" in trail.data["_errors"]["TrailStatus"]
    assert cctx.errors == []


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    deny(aws, "us-east-1", "DescribeTrails")
    found, cctx = collect(aws)
    assert found == []
    [error] = cctx.errors
    assert (error.operation, error.code) == ("describe_trails", "AccessDeniedException")
    assert error.resource_types == ("AWS::CloudTrail::Trail",)
