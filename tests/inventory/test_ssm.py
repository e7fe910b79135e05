"""The SSM collector against moto: parameter types and a redacted value verdict."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.inventory.services.ssm import classify_value
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
DSN = "postgres://admin:hunter2-cw@db.internal:5432/app"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str, region: str = "us-east-1") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, region)


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="us-east-1")
    found = {r.id: r for r in run_collector(COLLECTORS.get("ssm"), cctx)}
    return found, cctx


def seed() -> None:
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/cw/ci/key", Value=ACCESS_KEY, Type="String")
    ssm.put_parameter(Name="/cw/db/dsn", Value=DSN, Type="String")
    ssm.put_parameter(Name="/cw/db/password", Value="s3cr3t-cw", Type="SecureString")
    ssm.put_parameter(Name="/cw/app/regions", Value="us-east-1,eu-west-1", Type="StringList")
    for i in range(12):  # more than one GetParameters batch
        ssm.put_parameter(Name=f"cw-setting-{i}", Value=str(i), Type="String")


def test_parameters_carry_type_arn_and_only_a_verdict(aws: AwsContext) -> None:
    seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    assert len(found) == 16
    key = found["/cw/ci/key"]
    assert key.type == "AWS::SSM::Parameter"
    assert key.arn == f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/cw/ci/key"
    assert key.data["Type"] == "String"
    assert key.data["ValueClassification"] == {
        "Category": "secret",
        "Reason": "value looks like an AWS access key id",
    }
    assert found["/cw/db/dsn"].data["ValueClassification"]["Category"] == "secret"
    assert found["cw-setting-11"].data["ValueClassification"]["Category"] == "benign"
    assert found["cw-setting-11"].arn.endswith(":parameter/cw-setting-11")
    assert found["/cw/db/password"].data["ValueClassification"] is None
    assert found["/cw/app/regions"].data["ValueClassification"] is None
    text = json.dumps([r.data for r in found.values()])
    for value in (ACCESS_KEY, DSN, "hunter2-cw", "s3cr3t-cw"):
        assert value not in text


def test_denied_value_read_is_kept_beside_each_parameter(aws: AwsContext) -> None:
    seed()
    deny(aws, "ssm", "GetParameters")
    found, cctx = collect(aws)
    data = found["/cw/ci/key"].data
    assert data["ValueClassification"] is None
    assert "AccessDeniedException" in data["_errors"]["ValueClassification"]
    assert "_errors" not in found["/cw/db/password"].data
    assert cctx.errors == []


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    deny(aws, "ssm", "DescribeParameters")
    found, cctx = collect(aws)
    assert found == {}
    assert [e.code for e in cctx.errors] == ["AccessDeniedException"]


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "secret"),
        ('{"username": "app", "password": "x1"}', "secret"),
        ("ghp_" + "a" * 36, "secret"),
        ("https://api.example.com/v1", "benign"),
        ("arn:aws:iam::123456789012:role/app", "benign"),
        ("ami-0abcdef1234567890", "benign"),
        ("true", "benign"),
        ("", "benign"),
        ("db.internal:5432", "opaque"),
    ],
)
def test_value_classification(value: str, category: str) -> None:
    verdict = classify_value(value)
    assert verdict["Category"] == category
    assert value not in verdict["Reason"] or not value
