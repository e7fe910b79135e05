"""The EventBridge collector: rules of every bus, patterns parsed, targets attached."""

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
    return list(run_collector(COLLECTORS.get("events"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "events", operation, "us-east-1", code=code)


def make_rules() -> str:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="responder")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = boto3.client("events", region_name="us-east-1")
    pattern = {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]}
    events.put_rule(Name="guardduty", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="guardduty", Targets=[{"Id": "q", "Arn": queue}])
    events.create_event_bus(Name="security")
    events.put_rule(
        Name="sg-changes",
        EventPattern=json.dumps({"source": ["aws.ec2"]}),
        State="DISABLED",
        EventBusName="security",
    )
    return str(queue)


def test_rules_with_parsed_patterns_and_targets(aws: AwsContext) -> None:
    queue = make_rules()
    found, cctx = collect(aws)
    assert cctx.errors == []
    rules = {r.name: r for r in found}
    gd = rules["guardduty"]
    assert gd.arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/guardduty"
    assert gd.data["EventPattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
    }
    assert gd.data["Targets"] == [{"Id": "q", "Arn": queue}]
    assert gd.data["EventBusName"] == "default"
    assert rules["sg-changes"].data["EventBusName"] == "security"
    assert rules["sg-changes"].data["State"] == "DISABLED"
    json.dumps([r.data for r in found])


def test_denied_targets_are_kept_beside_the_rule(aws: AwsContext) -> None:
    make_rules()
    deny(aws, "ListTargetsByRule")
    found, cctx = collect(aws)
    assert cctx.errors == []
    gd = next(r for r in found if r.name == "guardduty")
    assert gd.data["Targets"] is None
    assert "AccessDeniedException" in gd.data["_errors"]["Targets"]


def test_denied_rule_listing_is_recorded(aws: AwsContext) -> None:
    deny(aws, "ListRules")
    found, cctx = collect(aws)
    assert found == []
    assert [e.operation for e in cctx.errors] == ["list_rules"]
