"""moto has no Access Analyzer backend: the listing failure must become a recorded reason."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.registry import load_builtin


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def test_unsupported_service_is_recorded_not_raised(aws: AwsContext) -> None:
    col = COLLECTORS.get("accessanalyzer")
    assert col.regional
    cctx = CollectContext(aws=aws, account="123456789012", region="eu-west-1")
    assert list(run_collector(col, cctx)) == []
    [error] = cctx.errors
    assert (error.region, error.service, error.operation) == (
        "eu-west-1",
        "accessanalyzer",
        "list_analyzers",
    )
    assert error.resource_types == ("AWS::AccessAnalyzer::Analyzer",)
    assert error.reason == "IAM Access Analyzer is not available at this endpoint"


def test_analyzers_are_read_from_the_listing(aws: AwsContext) -> None:
    item = {
        "arn": "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/main",
        "name": "main",
        "type": "ACCOUNT",
        "status": "ACTIVE",
    }
    client = aws.client("accessanalyzer", "us-east-1")
    client.meta.events.register(
        "before-call.accessanalyzer.ListAnalyzers",
        lambda **_: (
            type("Http", (), {"status_code": 200, "headers": {}})(),
            {"analyzers": [item]},
        ),
    )
    cctx = CollectContext(aws=aws, account="123456789012", region="us-east-1")
    [analyzer] = run_collector(COLLECTORS.get("accessanalyzer"), cctx)
    assert analyzer.arn == item["arn"]
    assert analyzer.data["status"] == "ACTIVE"
    assert cctx.errors == []
