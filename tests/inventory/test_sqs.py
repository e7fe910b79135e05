"""The SQS collector against moto: every attribute, the access policy parsed, the tags."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.iam.access import external_access
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin
from cloudwarden.testing import make_snapshot

ACCOUNT = "123456789012"
OPEN = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    ],
}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "sqs", operation, "us-east-1", code="AccessDenied", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="us-east-1")
    return {r.id: r for r in run_collector(COLLECTORS.get("sqs"), cctx)}, cctx


def seed() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="cw-open", tags={"team": "payments"})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(OPEN)})
    sqs.create_queue(QueueName="cw-private")


def test_queues_with_attributes_policy_and_tags(aws: AwsContext) -> None:
    seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    opened, private = found["cw-open"], found["cw-private"]
    assert opened.type == "AWS::SQS::Queue"
    assert opened.arn == f"arn:aws:sqs:us-east-1:{ACCOUNT}:cw-open"
    assert opened.data["QueueUrl"].endswith(f"/{ACCOUNT}/cw-open")
    assert opened.data["Attributes"]["QueueArn"] == opened.arn
    assert opened.data["Attributes"]["SqsManagedSseEnabled"] == "true"
    assert opened.data["Policy"] == OPEN
    assert opened.data["Tags"] == {"team": "payments"}
    assert private.data["Policy"] is None and private.data["Tags"] == {}
    assert "_errors" not in opened.data
    json.dumps([r.data for r in found.values()])


def test_collected_queue_policy_is_analysed_for_external_access(aws: AwsContext) -> None:
    seed()
    found, _ = collect(aws)
    [result] = external_access(make_snapshot(list(found.values())))
    assert result.arn == found["cw-open"].arn
    assert {a.scope for a in result.accesses} >= {"public"}
    assert all(a.actions == ("sqs:SendMessage",) for a in result.accesses)


def test_denied_attributes_are_kept_beside_the_queue(aws: AwsContext) -> None:
    seed()
    deny(aws, "GetQueueAttributes")
    found, cctx = collect(aws)
    assert cctx.errors == []
    opened = found["cw-open"]
    assert opened.arn == f"arn:aws:sqs:us-east-1:{ACCOUNT}:cw-open"
    assert opened.data["Attributes"] is None and opened.data["Policy"] is None
    assert "AccessDenied" in opened.data["_errors"]["Policy"]
    assert opened.data["Tags"] == {"team": "payments"}
    [result] = external_access(make_snapshot([opened]))
    assert result.accesses == () and result.unknown, "an unread policy is not proof of no access"


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    seed()
    deny(aws, "ListQueues")
    found, cctx = collect(aws)
    assert found == {}
    assert [e.resource_types for e in cctx.errors] == [("AWS::SQS::Queue",)]
