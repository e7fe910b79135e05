"""The SNS collector: topics with attributes, parsed policy and every subscription."""

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
    return list(run_collector(COLLECTORS.get("sns"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "sns", operation, "us-east-1", code=code)


def test_topic_with_subscription(aws: AwsContext) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="security-alerts")["TopicArn"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="pager")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    sns.create_topic(Name="unused")
    found, cctx = collect(aws)
    assert cctx.errors == []
    topics = {t.id: t for t in found}
    alerts = topics["security-alerts"]
    assert alerts.arn == topic
    assert alerts.data["Attributes"]["TopicArn"] == topic
    assert alerts.data["Policy"]["Statement"][0]["Effect"] == "Allow"
    [sub] = alerts.data["Subscriptions"]
    assert (sub["Protocol"], sub["Endpoint"]) == ("sqs", queue)
    assert sub["SubscriptionArn"].startswith(topic + ":")
    assert topics["unused"].data["Subscriptions"] == []
    json.dumps([t.data for t in found])


def test_denied_subscriptions_are_kept_beside_the_topic(aws: AwsContext) -> None:
    boto3.client("sns", region_name="us-east-1").create_topic(Name="security-alerts")
    deny(aws, "ListSubscriptionsByTopic", code="AuthorizationError")
    [topic], cctx = collect(aws)
    assert cctx.errors == []
    assert topic.data["Subscriptions"] is None
    assert "AuthorizationError" in topic.data["_errors"]["Subscriptions"]
