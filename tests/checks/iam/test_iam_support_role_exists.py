"""CIS 2.15, per account: some role has the AWS managed AWSSupportAccess policy."""

from __future__ import annotations

from cloudwarden.model import Resource, Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

CHECK = "iam_support_role_exists"
SUPPORT = {
    "PolicyName": "AWSSupportAccess",
    "PolicyArn": "arn:aws:iam::aws:policy/AWSSupportAccess",
}
LOOKALIKE = {
    "PolicyName": "AWSSupportAccess",
    "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/AWSSupportAccess",
}


def role(name: str, *attached: dict[str, str], account: str = ACCOUNT) -> Resource:
    data = {"RoleName": name, "AttachedManagedPolicies": list(attached)}
    return make_resource(
        "AWS::IAM::Role",
        f"arn:aws:iam::{account}:role/{name}",
        data,
        region="global",
        name=name,
        account=account,
    )


def test_support_role_per_account() -> None:
    other = "210987654321"
    snap = make_snapshot(
        [role("support", SUPPORT), role("lookalike", LOOKALIKE, account=other)],
        accounts=[ACCOUNT, other],
    )
    found = {f.account: f for f in findings_for(snap, CHECK)}
    assert found[ACCOUNT].status is Status.PASS
    assert "support" in found[ACCOUNT].status_reason
    assert found[other].status is Status.FAIL  # a customer policy of the same name is not AWS's
    assert found[other].resource_arn == f"arn:aws:iam::{other}:account"


def test_roles_not_collected_means_not_assessed() -> None:
    snap = make_snapshot(errors=[collection_error("AWS::IAM::Role")])
    assert [f.status for f in findings_for(snap, CHECK)] == [Status.NOT_ASSESSED]
