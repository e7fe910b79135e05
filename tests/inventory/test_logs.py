"""The CloudWatch Logs collector: log groups with retention, metric filters under their group."""

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
    return list(run_collector(COLLECTORS.get("logs"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "logs", operation, "us-east-1", code=code)


ROOT_PATTERN = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }'


def make_groups() -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="/aws/cloudtrail/org")
    logs.put_retention_policy(logGroupName="/aws/cloudtrail/org", retentionInDays=400)
    logs.create_log_group(logGroupName="app")
    logs.put_metric_filter(
        logGroupName="/aws/cloudtrail/org",
        filterName="root-usage",
        filterPattern=ROOT_PATTERN,
        metricTransformations=[
            {"metricName": "RootUsage", "metricNamespace": "CIS", "metricValue": "1"}
        ],
    )


def test_log_groups_and_metric_filters(aws: AwsContext) -> None:
    make_groups()
    found, cctx = collect(aws)
    assert cctx.errors == []
    by_arn = {r.arn: r for r in found}
    trail_group = by_arn[f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/cloudtrail/org"]
    assert trail_group.type == "AWS::Logs::LogGroup"
    assert trail_group.data["retentionInDays"] == 400
    assert "retentionInDays" not in by_arn[f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"].data
    flt = by_arn[
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/cloudtrail/org:metric-filter:root-usage"
    ]
    assert flt.type == "AWS::Logs::MetricFilter"
    assert flt.data["filterPattern"] == ROOT_PATTERN
    assert flt.data["metricTransformations"][0]["metricName"] == "RootUsage"
    json.dumps([r.data for r in found])


def test_failed_filter_listing_records_both_types_and_emits_nothing(aws: AwsContext) -> None:
    make_groups()
    deny(aws, "DescribeMetricFilters")
    found, cctx = collect(aws)
    assert found == []
    [error] = cctx.errors
    assert error.resource_types == ("AWS::Logs::LogGroup", "AWS::Logs::MetricFilter")
