"""The ECR collector against moto: repository settings and policy, "no policy" not an error."""

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
VENDOR = "999988887777"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
SHARED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "VendorPull",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
            "Action": PULL,
        }
    ],
}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "ecr", operation, "us-east-1")


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="us-east-1")
    return {r.id: r for r in run_collector(COLLECTORS.get("ecr"), cctx)}, cctx


def seed() -> None:
    ecr = boto3.client("ecr", region_name="us-east-1")
    ecr.create_repository(
        repositoryName="cw-shared",
        imageScanningConfiguration={"scanOnPush": True},
        imageTagMutability="IMMUTABLE",
    )
    ecr.set_repository_policy(repositoryName="cw-shared", policyText=json.dumps(SHARED))
    ecr.create_repository(repositoryName="cw-private")


def test_repositories_with_settings_and_policy(aws: AwsContext) -> None:
    seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    shared, private = found["cw-shared"], found["cw-private"]
    assert shared.type == "AWS::ECR::Repository"
    assert shared.arn == f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/cw-shared"
    assert shared.data["imageScanningConfiguration"] == {"scanOnPush": True}
    assert shared.data["imageTagMutability"] == "IMMUTABLE"
    assert shared.data["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert shared.data["Policy"] == SHARED
    assert isinstance(shared.data["createdAt"], str)
    assert private.data["Policy"] is None, "RepositoryPolicyNotFoundException means no policy"
    assert "_errors" not in private.data
    json.dumps([r.data for r in found.values()])


def test_collected_repository_policy_is_analysed_for_external_access(aws: AwsContext) -> None:
    seed()
    found, _ = collect(aws)
    [result] = external_access(make_snapshot(list(found.values())))
    assert result.arn == found["cw-shared"].arn
    [access] = result.accesses
    assert (access.scope, access.grantee) == ("outside_org", f"account {VENDOR}")
    assert set(PULL) <= set(access.actions)


def test_denied_policy_call_is_kept_beside_the_repository(aws: AwsContext) -> None:
    seed()
    deny(aws, "GetRepositoryPolicy")
    found, cctx = collect(aws)
    assert cctx.errors == []
    assert "AccessDeniedException" in found["cw-shared"].data["_errors"]["Policy"]
    assert found["cw-shared"].data["imageTagMutability"] == "IMMUTABLE"
    results = external_access(make_snapshot(list(found.values())))
    assert {r.arn for r in results if r.unknown} == {r.arn for r in found.values()}


def test_denied_listing_is_a_recorded_collection_error(aws: AwsContext) -> None:
    seed()
    deny(aws, "DescribeRepositories")
    found, cctx = collect(aws)
    assert found == {}
    assert [e.resource_types for e in cctx.errors] == [("AWS::ECR::Repository",)]
