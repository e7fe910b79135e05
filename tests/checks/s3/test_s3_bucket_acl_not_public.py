"""s3_bucket_acl_not_public: grants to the AllUsers / AuthenticatedUsers groups."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_acl_not_public"
GROUPS = "http://acs.amazonaws.com/groups"
OWNER = {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}


def group_grant(group: str, permission: str) -> dict[str, Any]:
    return {"Grantee": {"Type": "Group", "URI": f"{GROUPS}/{group}"}, "Permission": permission}


def bucket(grants: list[dict[str, Any]], **extra: Any) -> Any:
    data = {"Name": "cw-bucket", "Acl": {"Owner": {"ID": "abc"}, "Grants": grants}, **extra}
    return make_resource("AWS::S3::Bucket", "arn:aws:s3:::cw-bucket", data, region="global")


def account(config: dict[str, bool] | None = None) -> Any:
    arn = f"arn:aws:s3::{ACCOUNT}:account"
    data = {"PublicAccessBlockConfiguration": config}
    return make_resource("AWS::S3::AccountPublicAccessBlock", arn, data, region="global")


@pytest.mark.parametrize(
    ("grants", "status", "reason_part"),
    [
        ([OWNER], Status.PASS, "no grant"),
        ([OWNER, group_grant("s3/LogDelivery", "WRITE")], Status.PASS, "no grant"),
        ([OWNER, group_grant("global/AllUsers", "READ")], Status.FAIL, "READ to AllUsers"),
        (
            [group_grant("global/AuthenticatedUsers", "WRITE_ACP")],
            Status.FAIL,
            "WRITE_ACP to AuthenticatedUsers",
        ),
    ],
    ids=["owner-only", "log-delivery", "all-users-read", "authenticated-users"],
)
def test_acl_grants(grants: list[dict[str, Any]], status: Status, reason_part: str) -> None:
    [finding] = findings_for(make_snapshot([bucket(grants), account()]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_ignore_public_acls_voids_the_grant() -> None:
    public = bucket(
        [group_grant("global/AllUsers", "READ")], PublicAccessBlock={"IgnorePublicAcls": True}
    )
    [finding] = findings_for(make_snapshot([public, account()]), CHECK)
    assert finding.status is Status.PASS
    assert "bucket-level IgnorePublicAcls" in finding.status_reason


def test_unreadable_acl_is_not_assessed() -> None:
    broken = bucket([], _errors={"Acl": "AccessDenied: denied"})
    [finding] = findings_for(make_snapshot([broken, account()]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
