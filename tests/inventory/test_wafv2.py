"""The WAFv2 collector against moto: REGIONAL web ACLs with their rules and logging."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
REGION = "us-east-1"
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name=REGION), options=AwsOptions())


def collect(aws: AwsContext) -> tuple[list[Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=REGION)
    return list(run_collector(COLLECTORS.get("wafv2"), cctx)), cctx


def test_web_acls_with_rules_and_logging(aws: AwsContext) -> None:
    waf = aws.client("wafv2", REGION)
    acl = waf.create_web_acl(
        Name="cw-test-acl",
        Scope="REGIONAL",
        DefaultAction={"Block": {}},
        VisibilityConfig=VISIBILITY,
    )["Summary"]
    (found,), cctx = collect(aws)
    assert cctx.errors == []
    assert (
        found.arn
        == acl["ARN"]
        == f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/cw-test-acl/{acl['Id']}"
    )
    assert found.type == "AWS::WAFv2::WebACL"
    assert found.data["WebACL"]["DefaultAction"] == {"Block": {}}
    assert found.data["LoggingConfiguration"] is None  # no logging: absent, not an error
    assert "_errors" not in found.data


def test_no_web_acls_and_a_denied_listing(aws: AwsContext) -> None:
    found, cctx = collect(aws)
    assert found == [] and cctx.errors == []
    client = aws.client("wafv2", REGION)
    refusal = {
        "Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    client.meta.events.register(
        "before-call.wafv2.ListWebACLs", lambda **_: (SimpleNamespace(status_code=400), refusal)
    )
    found, cctx = collect(aws)
    (error,) = cctx.errors
    assert (error.operation, error.code) == ("list_web_acls", "AccessDeniedException")
