"""cloudtrail_bucket_not_public: the trail's bucket, found anywhere in the snapshot, must be private."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL = "AWS::CloudTrail::Trail"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
ALL_ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
ALL_USERS = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
OWNER_ONLY = {
    "Owner": {"ID": "abc"},
    "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}],
}


def bucket(**data: Any) -> Any:
    base = {
        "Name": "trail-logs",
        "Policy": None,
        "PolicyStatus": None,
        "Acl": OWNER_ONLY,
        "PublicAccessBlock": ALL_ON,
    }
    return make_resource(
        "AWS::S3::Bucket", "arn:aws:s3:::trail-logs", {**base, **data}, region="global"
    )


def account_block(config: dict[str, bool] | None) -> Any:
    arn = f"arn:aws:s3::{ACCOUNT}:account"
    data = {"PublicAccessBlockConfiguration": config}
    return make_resource("AWS::S3::AccountPublicAccessBlock", arn, data, region="global")


def run(*resources: Any) -> Any:
    trail = make_resource(TRAIL, TRAIL_ARN, {"Name": "main", "S3BucketName": "trail-logs"})
    [finding] = findings_for(make_snapshot([trail, *resources]), "cloudtrail_bucket_not_public")
    assert finding.resource_arn == TRAIL_ARN
    return finding


@pytest.mark.parametrize(
    ("resources", "status", "reason"),
    [
        ([bucket()], Status.PASS, "is private and blocks public access"),
        (
            [bucket(PublicAccessBlock=None), account_block(ALL_ON)],
            Status.PASS,
            "is private and blocks public access",
        ),
        (
            [bucket(PolicyStatus={"IsPublic": True}, PublicAccessBlock=None)],
            Status.FAIL,
            "has a public bucket policy",
        ),
        (
            [bucket(Acl={"Grants": [{"Grantee": ALL_USERS, "Permission": "READ"}]})],
            Status.FAIL,
            "public ACL grants AllUsers:READ",
        ),
        (
            [bucket(PublicAccessBlock={**ALL_ON, "RestrictPublicBuckets": False})],
            Status.FAIL,
            "lacks Block Public Access RestrictPublicBuckets",
        ),
        ([], Status.NOT_ASSESSED, "is not in the snapshot"),
        (
            [bucket(Acl=None, _errors={"Acl": "s3:GetBucketAcl: AccessDenied"})],
            Status.NOT_ASSESSED,
            "Acl: s3:GetBucketAcl: AccessDenied",
        ),
    ],
    ids=[
        "private",
        "account-level-block",
        "public-policy",
        "public-acl",
        "block-partly-off",
        "bucket-elsewhere",
        "acl-unreadable",
    ],
)
def test_trail_bucket(resources: list[Any], status: Status, reason: str) -> None:
    finding = run(*resources)
    assert finding.status is status
    assert reason in finding.status_reason


def test_public_policy_is_found_from_the_document_when_s3_verdict_is_missing() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        ]
    }
    errors = {"PolicyStatus": "s3:GetBucketPolicyStatus: AccessDenied"}
    finding = run(bucket(Policy=policy, _errors=errors))
    assert finding.status is Status.FAIL
