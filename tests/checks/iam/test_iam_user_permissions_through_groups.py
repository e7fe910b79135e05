"""CIS 2.13: users get permissions only from groups, never directly."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_user_permissions_through_groups"
READ_ONLY = {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
INLINE = {"PolicyName": "tmp-access", "PolicyDocument": {"Statement": []}}


@pytest.mark.parametrize(
    ("data", "status", "evidence"),
    [
        (
            {"GroupList": ["readers"], "AttachedManagedPolicies": [], "UserPolicyList": []},
            Status.PASS,
            "groups: readers",
        ),
        (
            {"GroupList": [], "AttachedManagedPolicies": [READ_ONLY], "UserPolicyList": []},
            Status.FAIL,
            "managed arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        (
            {"GroupList": ["readers"], "AttachedManagedPolicies": [], "UserPolicyList": [INLINE]},
            Status.FAIL,
            "inline tmp-access",
        ),
    ],
)
def test_direct_policies_fail(data: dict[str, Any], status: Status, evidence: str) -> None:
    user = make_resource(
        "AWS::IAM::User",
        f"arn:aws:iam::{ACCOUNT}:user/dana",
        {"UserName": "dana", **data},
        region="global",
        name="dana",
    )
    [finding] = findings_for(make_snapshot([user]), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
