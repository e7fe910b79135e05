"""CIS 2.14: attached customer-managed (default version) or inline policies with * on *."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_policy_no_full_admin_attached"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
SCOPED = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
}


def managed(
    name: str, versions: list[tuple[str, Any]], default: str = "v1", attached: int = 1
) -> Resource:
    data = {
        "PolicyName": name,
        "DefaultVersionId": default,
        "AttachmentCount": attached,
        "PolicyVersionList": [
            {"VersionId": v, "IsDefaultVersion": v == default, "Document": doc}
            for v, doc in versions
        ],
    }
    return make_resource(
        "AWS::IAM::ManagedPolicy",
        f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        data,
        region="global",
        name=name,
    )


def role_with_inline(name: str, document: Any) -> Resource:
    data = {
        "RoleName": name,
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document}],
    }
    return make_resource(
        "AWS::IAM::Role", f"arn:aws:iam::{ACCOUNT}:role/{name}", data, region="global", name=name
    )


def statuses(*resources: Resource) -> dict[str, Status]:
    return {
        f.resource_arn.rsplit("/", 1)[-1]: f.status
        for f in findings_for(make_snapshot(resources), CHECK)
    }


@pytest.mark.parametrize(
    ("statement", "is_admin"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}, True),
        (
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
            True,
        ),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"}, False),
        ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        (
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            False,
        ),  # power user, not full admin
    ],
)
def test_what_counts_as_full_admin(statement: dict[str, Any], is_admin: bool) -> None:
    policy = managed("p", [("v1", {"Statement": [statement]})])
    assert statuses(policy)["p"] is (Status.FAIL if is_admin else Status.PASS)


def test_only_the_default_version_counts() -> None:
    old_admin = managed("old-admin", [("v1", ADMIN), ("v2", SCOPED)], default="v2")
    new_admin = managed("new-admin", [("v1", SCOPED), ("v2", ADMIN)], default="v2")
    assert statuses(old_admin, new_admin) == {"old-admin": Status.PASS, "new-admin": Status.FAIL}


def test_unattached_admin_policy_passes() -> None:
    assert statuses(managed("spare", [("v1", ADMIN)], attached=0)) == {"spare": Status.PASS}


def test_aws_managed_policies_are_out_of_scope() -> None:
    aws = make_resource(
        "AWS::IAM::ManagedPolicy",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        {
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": ADMIN}],
        },
        region="global",
    )
    assert findings_for(make_snapshot([aws]), CHECK) == []


def test_inline_admin_is_reported_on_its_principal() -> None:
    found = findings_for(
        make_snapshot([role_with_inline("ops", ADMIN), role_with_inline("app", SCOPED)]), CHECK
    )
    by_name = {f.resource_arn.rsplit("/", 1)[-1]: f for f in found}
    assert by_name["ops"].status is Status.FAIL
    assert "inline policy inline of ops (statement All)" in by_name["ops"].status_reason
    assert by_name["app"].status is Status.PASS
