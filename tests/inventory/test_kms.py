"""The KMS collector against moto: metadata, rotation where applicable, policy, aliases."""

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
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str, region: str = "us-east-1") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, region)


def collect(
    aws: AwsContext, region: str = "us-east-1"
) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=region)
    found = {r.id: r for r in run_collector(COLLECTORS.get("kms"), cctx)}
    return found, cctx


def seed() -> dict[str, str]:
    kms = boto3.client("kms", region_name="us-east-1")
    rotating = kms.create_key(Description="rotating")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotating)
    kms.create_alias(AliasName="alias/cw-rotating", TargetKeyId=rotating)
    signing = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    doomed = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    return {"rotating": rotating, "signing": signing, "doomed": doomed}


def test_keys_with_metadata_rotation_policy_and_aliases(aws: AwsContext) -> None:
    ids = seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    rotating = found[ids["rotating"]]
    assert rotating.type == "AWS::KMS::Key"
    assert rotating.arn == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{ids['rotating']}"
    assert rotating.region == "us-east-1"
    assert rotating.name == "alias/cw-rotating"
    assert rotating.data["KeyMetadata"]["KeyManager"] == "CUSTOMER"
    assert rotating.data["KeyRotationEnabled"] is True
    assert rotating.data["Policy"]["Statement"][0]["Effect"] == "Allow"
    assert [a["AliasName"] for a in rotating.data["Aliases"]] == ["alias/cw-rotating"]
    json.dumps(rotating.data)


def test_rotation_is_only_asked_where_kms_supports_it(aws: AwsContext) -> None:
    ids = seed()
    found, _ = collect(aws)
    assert found[ids["signing"]].data["KeyRotationEnabled"] is None
    doomed = found[ids["doomed"]].data
    assert doomed["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert isinstance(doomed["KeyMetadata"]["DeletionDate"], str)
    assert doomed["KeyRotationEnabled"] is None


def test_denied_detail_calls_are_kept_beside_the_key(aws: AwsContext) -> None:
    ids = seed()
    deny(aws, "kms", "GetKeyPolicy")
    deny(aws, "kms", "ListAliases")
    found, cctx = collect(aws)
    data = found[ids["rotating"]].data
    assert data["Policy"] is None
    assert "AccessDeniedException" in data["_errors"]["Policy"]
    assert "AccessDeniedException" in data["_errors"]["Aliases"]
    assert data["KeyRotationEnabled"] is True
    assert cctx.errors == []


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    seed()
    deny(aws, "kms", "ListKeys")
    found, cctx = collect(aws)
    assert found == {}
    [error] = cctx.errors
    assert (error.operation, error.code, error.resource_types) == (
        "list_keys",
        "AccessDeniedException",
        ("AWS::KMS::Key",),
    )
