"""The CloudWatch collector: metric alarms as DescribeAlarms returns them, JSON-safe."""

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
    return list(run_collector(COLLECTORS.get("cloudwatch"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "cloudwatch", operation, "us-east-1", code=code)


def test_metric_alarms(aws: AwsContext) -> None:
    topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="alerts")["TopicArn"]
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
        AlarmName="root-usage",
        MetricName="RootUsage",
        Namespace="CIS",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic],
    )
    [alarm], cctx = collect(aws)
    assert cctx.errors == []
    assert alarm.arn == f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:root-usage"
    assert (alarm.data["MetricName"], alarm.data["Namespace"]) == ("RootUsage", "CIS")
    assert alarm.data["AlarmActions"] == [topic]
    assert isinstance(alarm.data["StateUpdatedTimestamp"], str)
    json.dumps(alarm.data)


def test_denied_listing_is_recorded(aws: AwsContext) -> None:
    deny(aws, "DescribeAlarms")
    found, cctx = collect(aws)
    assert found == []
    assert [e.resource_types for e in cctx.errors] == [("AWS::CloudWatch::Alarm",)]
