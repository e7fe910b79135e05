"""S3: bucket policy, bucket ACL and Block Public Access combined as S3 documents it."""

from __future__ import annotations

from typing import Any

from access_helpers import ORG, OWNER, STRANGER, policy, recheck

from cloudwarden.iam.access import analyse_bucket
from cloudwarden.iam.access.s3 import ALL_USERS, AUTHENTICATED_USERS, effective_block
from cloudwarden.testing import make_resource

ARN = "arn:aws:s3:::data-bucket"
OWNER_ID = "a" * 64
OTHER_ID = "b" * 64
PUBLIC = policy("AWS::S3::Bucket", "*")
BLOCK_ALL = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)


def _grant(permission: str, uri: str | None = None, cid: str | None = None) -> dict[str, Any]:
    grantee: dict[str, Any] = (
        {"Type": "Group", "URI": uri} if uri else {"Type": "CanonicalUser", "ID": cid}
    )
    return {"Grantee": grantee, "Permission": permission}


def _bucket(**data: Any) -> Any:
    base: dict[str, Any] = {
        "Acl": {"Owner": {"ID": OWNER_ID}, "Grants": [_grant("FULL_CONTROL", cid=OWNER_ID)]}
    }
    base.update(data)
    return make_resource("AWS::S3::Bucket", ARN, base, account=OWNER, region="global")


def _acl(*grants: dict[str, Any]) -> dict[str, Any]:
    return {"Owner": {"ID": OWNER_ID}, "Grants": [_grant("FULL_CONTROL", cid=OWNER_ID), *grants]}


def test_block_public_access_combines_account_and_bucket() -> None:
    found = effective_block({"IgnorePublicAcls": True}, {"RestrictPublicBuckets": True})
    assert found["IgnorePublicAcls"] and found["RestrictPublicBuckets"]
    assert not found["BlockPublicAcls"]


def test_public_policy_without_block_is_public() -> None:
    result = analyse_bucket(_bucket(Policy=PUBLIC), account_block=None, organization=ORG)
    recheck(result, PUBLIC)
    assert result.scoped("public")


def test_restrict_public_buckets_neutralises_a_public_policy() -> None:
    result = analyse_bucket(
        _bucket(Policy=PUBLIC, PublicAccessBlock={"RestrictPublicBuckets": True}),
        account_block=None,
        organization=ORG,
    )
    assert result.accesses == ()
    assert any("RestrictPublicBuckets" in n for n in result.notes)


def test_restrict_public_buckets_also_stops_named_accounts_of_a_public_policy() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            *PUBLIC["Statement"],
            {**policy("AWS::S3::Bucket", {"AWS": STRANGER})["Statement"][0]},
        ],
    }
    result = analyse_bucket(_bucket(Policy=document), account_block=BLOCK_ALL, organization=ORG)
    assert result.accesses == ()


def test_restrict_public_buckets_leaves_a_non_public_cross_account_grant() -> None:
    document = policy("AWS::S3::Bucket", {"AWS": STRANGER})
    result = analyse_bucket(_bucket(Policy=document), account_block=BLOCK_ALL, organization=ORG)
    assert [a.grantee for a in result.scoped("outside_org")] == [f"account {STRANGER}"]


def test_policy_status_from_s3_decides_whether_the_policy_is_public() -> None:
    bucket = _bucket(Policy=PUBLIC, PolicyStatus={"IsPublic": False}, PublicAccessBlock=BLOCK_ALL)
    assert analyse_bucket(bucket, account_block=None).scoped("public")


def test_all_users_acl_is_public_with_the_acl_actions() -> None:
    result = analyse_bucket(_bucket(Acl=_acl(_grant("READ", uri=ALL_USERS))), account_block=None)
    (access,) = result.accesses
    assert (access.scope, access.grantee, access.via) == ("public", "anyone (anonymous)", "acl")
    assert access.actions == (
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListBucketVersions",
    )
    assert access.witness.principal == "anonymous"


def test_authenticated_users_acl_means_any_aws_account() -> None:
    acl = _acl(_grant("WRITE", uri=AUTHENTICATED_USERS))
    (access,) = analyse_bucket(_bucket(Acl=acl), account_block=None).accesses
    assert access.grantee == "any AWS account" and access.actions == ("s3:PutObject",)


def test_ignore_public_acls_at_account_level_neutralises_public_grants() -> None:
    acl = _acl(_grant("READ", uri=ALL_USERS))
    result = analyse_bucket(_bucket(Acl=acl), account_block={"IgnorePublicAcls": True})
    assert result.accesses == ()
    assert any("IgnorePublicAcls" in n for n in result.notes)


def test_ignore_public_acls_keeps_a_grant_to_another_account() -> None:
    acl = _acl(_grant("READ", cid=OTHER_ID))
    result = analyse_bucket(_bucket(Acl=acl), account_block=BLOCK_ALL)
    assert [(a.scope, a.grantee) for a in result.accesses] == [
        ("outside_org", f"canonical user {OTHER_ID}")
    ]


def test_bucket_owner_enforced_disables_acls() -> None:
    rules = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    bucket = _bucket(Acl=_acl(_grant("READ", uri=ALL_USERS)), OwnershipControls=rules)
    result = analyse_bucket(bucket, account_block=None)
    assert result.accesses == ()
    assert any("BucketOwnerEnforced" in n for n in result.notes)


def test_explicit_deny_in_the_bucket_policy_overrides_an_acl_grant() -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": ARN,
        },
    }
    bucket = _bucket(Acl=_acl(_grant("READ", uri=ALL_USERS)), Policy=deny)
    (access,) = analyse_bucket(bucket, account_block=None).accesses
    assert "s3:ListBucket" not in access.actions
    assert access.actions == ("s3:ListBucketMultipartUploads", "s3:ListBucketVersions")


def test_uncollected_block_public_access_is_unknown() -> None:
    bucket = _bucket(_errors={"PublicAccessBlock": "AccessDenied"})
    result = analyse_bucket(bucket, account_block=None)
    assert any("Block Public Access" in u for u in result.unknown)


def test_locked_down_bucket_has_no_access() -> None:
    document = policy("AWS::S3::Bucket", {"AWS": f"arn:aws:iam::{OWNER}:root"})
    result = analyse_bucket(_bucket(Policy=document), account_block=BLOCK_ALL, organization=ORG)
    assert result.accesses == () and result.unknown == ()
