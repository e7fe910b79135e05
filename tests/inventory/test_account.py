"""The account collector against moto: alternate contacts, not-set, and denied."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext) -> tuple[list[Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="global")
    return list(run_collector(COLLECTORS.get("account"), cctx)), cctx


def test_contacts_set_and_unset(aws: AwsContext) -> None:
    aws.client("account").put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="sec@example.com",
        Name="SecOps",
        PhoneNumber="+1-555-0100",
        Title="Team",
    )
    [resource], cctx = collect(aws)
    assert cctx.errors == []
    assert resource.arn == f"arn:aws:account::{ACCOUNT}:account"
    assert resource.data["Security"]["EmailAddress"] == "sec@example.com"
    assert resource.data["Billing"] is None  # ResourceNotFoundException: never set
    assert resource.data["Operations"] is None
    assert "_errors" not in resource.data


def test_denied_contact_lands_in_errors(aws: AwsContext) -> None:
    body = {
        "Error": {"Code": "AccessDeniedException", "Message": "no"},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }

    def refuse(**_: Any) -> tuple[Any, dict[str, Any]]:
        return SimpleNamespace(status_code=403, headers={}), body

    aws.client("account").meta.events.register("before-call.account.GetAlternateContact", refuse)
    [resource], cctx = collect(aws)
    assert cctx.errors == []
    assert resource.data["Security"] is None
    assert "AccessDeniedException" in resource.data["_errors"]["Security"]
