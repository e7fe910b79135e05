"""Users holding * on * by any route: own policies, AWS AdministratorAccess, or a group's."""

from __future__ import annotations

from typing import Any

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_user_no_full_admin_access"
ADMIN_DOC = {"Statement": [{"Effect": "Allow", "Action": "*:*", "Resource": "*"}]}
AWS_ADMIN = {
    "PolicyName": "AdministratorAccess",
    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
}
READ_ONLY = {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}


def user(name: str, **data: Any) -> Resource:
    return make_resource(
        "AWS::IAM::User",
        f"arn:aws:iam::{ACCOUNT}:user/{name}",
        {"UserName": name, **data},
        region="global",
        name=name,
    )


def group(name: str, **data: Any) -> Resource:
    return make_resource(
        "AWS::IAM::Group",
        f"arn:aws:iam::{ACCOUNT}:group/{name}",
        {"GroupName": name, **data},
        region="global",
        name=name,
    )


def test_each_route_to_admin_is_found() -> None:
    snap = make_snapshot(
        [
            group("admins", AttachedManagedPolicies=[AWS_ADMIN], GroupPolicyList=[]),
            group("readers", AttachedManagedPolicies=[READ_ONLY], GroupPolicyList=[]),
            user("via-group", GroupList=["admins"]),
            user("direct", AttachedManagedPolicies=[AWS_ADMIN]),
            user("inline", UserPolicyList=[{"PolicyName": "all", "PolicyDocument": ADMIN_DOC}]),
            user("reader", GroupList=["readers"], AttachedManagedPolicies=[READ_ONLY]),
        ]
    )
    found = {f.resource_arn.rsplit("/", 1)[-1]: f for f in findings_for(snap, CHECK)}
    assert {k: f.status for k, f in found.items()} == {
        "via-group": Status.FAIL,
        "direct": Status.FAIL,
        "inline": Status.FAIL,
        "reader": Status.PASS,
    }
    assert (
        "group admins: managed policy arn:aws:iam::aws:policy/AdministratorAccess"
        in found["via-group"].status_reason
    )


def test_customer_policy_is_judged_by_its_default_version() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:policy/ops"
    policy = make_resource(
        "AWS::IAM::ManagedPolicy",
        arn,
        {
            "DefaultVersionId": "v2",
            "PolicyVersionList": [
                {"VersionId": "v2", "IsDefaultVersion": True, "Document": ADMIN_DOC}
            ],
        },
        region="global",
    )
    snap = make_snapshot(
        [policy, user("ops", AttachedManagedPolicies=[{"PolicyName": "ops", "PolicyArn": arn}])]
    )
    [finding] = findings_for(snap, CHECK)
    assert finding.status is Status.FAIL
