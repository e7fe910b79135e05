"""The Secrets Manager collector against moto: rotation fields and resource policy, no values."""

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
SECRET_VALUE = "cw-do-not-collect-me"


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
    found = {r.id: r for r in run_collector(COLLECTORS.get("secretsmanager"), cctx)}
    return found, cctx


def seed() -> None:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    sm.create_secret(Name="cw-rotated", SecretString=SECRET_VALUE)
    sm.rotate_secret(SecretId="cw-rotated", RotationRules={"AutomaticallyAfterDays": 30})
    sm.create_secret(Name="cw-shared", SecretString=SECRET_VALUE)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    sm.put_resource_policy(SecretId="cw-shared", ResourcePolicy=json.dumps(policy))


def test_secrets_with_rotation_and_policy(aws: AwsContext) -> None:
    seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    rotated, shared = found["cw-rotated"], found["cw-shared"]
    assert rotated.type == "AWS::SecretsManager::Secret"
    assert rotated.arn.startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:cw-rotated-")
    assert rotated.data["RotationEnabled"] is True
    assert rotated.data["ResourcePolicy"] is None
    assert shared.data.get("RotationEnabled") in (None, False)
    assert shared.data["ResourcePolicy"]["Statement"][0]["Principal"] == "*"
    text = json.dumps([r.data for r in found.values()])
    assert SECRET_VALUE not in text


def test_denied_policy_call_is_kept_beside_the_secret(aws: AwsContext) -> None:
    seed()
    deny(aws, "secretsmanager", "GetResourcePolicy")
    found, cctx = collect(aws)
    assert "AccessDeniedException" in found["cw-shared"].data["_errors"]["ResourcePolicy"]
    assert found["cw-rotated"].data["RotationEnabled"] is True
    assert cctx.errors == []


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    seed()
    deny(aws, "secretsmanager", "ListSecrets")
    found, cctx = collect(aws)
    assert found == {}
    assert [e.resource_types for e in cctx.errors] == [("AWS::SecretsManager::Secret",)]
