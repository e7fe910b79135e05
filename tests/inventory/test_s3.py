"""The S3 collector against moto: bucket data shape, account BPA, and recorded failures."""

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
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str, region: str = "us-east-1") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, region, code="AccessDenied", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="global")
    found = {r.arn: r for r in run_collector(COLLECTORS.get("s3"), cctx)}
    return found, cctx


PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::cw-test-configured/*",
        }
    ],
}
AES256 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def seed_buckets() -> None:
    """One bucket with every setting configured, one left bare in another region."""
    s3 = boto3.client("s3", region_name="us-east-1")
    name = "cw-test-configured"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(PUBLIC_READ))
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=ALL_ON)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=AES256)
    s3.create_bucket(Bucket="cw-test-logs", ACL="log-delivery-write")
    logging = {"LoggingEnabled": {"TargetBucket": "cw-test-logs", "TargetPrefix": "logs/"}}
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus=logging)
    eu = boto3.client("s3", region_name="eu-west-1")
    eu.create_bucket(
        Bucket="cw-test-bare", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )


def test_bucket_data_shape(aws: AwsContext) -> None:
    seed_buckets()
    found, cctx = collect(aws)
    assert cctx.errors == []
    configured = found["arn:aws:s3:::cw-test-configured"]
    assert (configured.type, configured.region, configured.id) == (
        "AWS::S3::Bucket",
        "global",
        "cw-test-configured",
    )
    data = configured.data
    assert data["Region"] == "us-east-1"
    assert data["Policy"]["Statement"][0]["Principal"] == "*"
    assert data["PolicyStatus"] == {"IsPublic": True}
    assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in data["Acl"]["Grants"])
    assert "ResponseMetadata" not in data["Acl"]
    assert data["PublicAccessBlock"] == ALL_ON
    assert (
        data["Encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        == "AES256"
    )
    assert data["Versioning"] == {"Status": "Enabled"}
    assert data["Logging"] == {"TargetBucket": "cw-test-logs", "TargetPrefix": "logs/"}
    assert isinstance(data["CreationDate"], str)
    json.dumps(data)  # snapshots are plain JSON


def test_bare_bucket_reports_absence_as_none(aws: AwsContext) -> None:
    seed_buckets()
    found, _ = collect(aws)
    data = found["arn:aws:s3:::cw-test-bare"].data
    assert data["Region"] == "eu-west-1"
    for key in (
        "Policy",
        "PolicyStatus",
        "PublicAccessBlock",
        "Encryption",
        "Logging",
        "ObjectLock",
    ):
        assert data[key] is None, key
    assert data["Versioning"] == {}
    assert "_errors" not in data


def test_account_public_access_block(aws: AwsContext) -> None:
    found, _ = collect(aws)
    acct = found[f"arn:aws:s3::{ACCOUNT}:account"]
    assert acct.type == "AWS::S3::AccountPublicAccessBlock"
    assert acct.data == {"PublicAccessBlockConfiguration": None}
    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=ALL_ON
    )
    found, _ = collect(aws)
    assert found[f"arn:aws:s3::{ACCOUNT}:account"].data["PublicAccessBlockConfiguration"] == ALL_ON


def test_denied_detail_call_is_kept_beside_the_bucket(aws: AwsContext) -> None:
    seed_buckets()
    deny(aws, "s3", "GetBucketPolicy")
    deny(aws, "s3control", "GetPublicAccessBlock")
    found, cctx = collect(aws)
    data = found["arn:aws:s3:::cw-test-configured"].data
    assert data["Policy"] is None
    assert "AccessDenied" in data["_errors"]["Policy"]
    assert data["Versioning"] == {"Status": "Enabled"}
    acct = found[f"arn:aws:s3::{ACCOUNT}:account"].data
    assert "AccessDenied" in acct["_errors"]["PublicAccessBlockConfiguration"]
    assert cctx.errors == []


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    seed_buckets()
    deny(aws, "s3", "ListBuckets")
    found, cctx = collect(aws)
    assert not any(r.type == "AWS::S3::Bucket" for r in found.values())
    [error] = cctx.errors
    assert (error.operation, error.code) == ("list_buckets", "AccessDenied")
    assert set(error.resource_types) == {"AWS::S3::Bucket", "AWS::S3::AccountPublicAccessBlock"}
