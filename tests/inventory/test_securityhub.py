"""The Security Hub collector: "not subscribed" means no hub; other failures are recorded."""

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
    return list(run_collector(COLLECTORS.get("securityhub"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "securityhub", operation, "us-east-1", code=code)


def test_enabled_hub(aws: AwsContext) -> None:
    boto3.client("securityhub", region_name="us-east-1").enable_security_hub()
    [hub], cctx = collect(aws)
    assert cctx.errors == []
    assert hub.arn == f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default"
    assert hub.type == "AWS::SecurityHub::Hub"
    json.dumps(hub.data)


def test_not_subscribed_is_data_not_an_error(aws: AwsContext) -> None:
    found, cctx = collect(aws)
    assert (found, cctx.errors) == ([], [])


def test_access_denied_is_a_recorded_error(aws: AwsContext) -> None:
    deny(aws, "DescribeHub")
    found, cctx = collect(aws)
    assert found == []
    [error] = cctx.errors
    assert (error.code, error.resource_types) == (
        "AccessDeniedException",
        ("AWS::SecurityHub::Hub",),
    )
