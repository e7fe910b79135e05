"""A per-account result: a role people can assume to investigate, with a trust that is not open."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_incident_response_role_exists"
SECURITY_TEAM = {"AWS": "arn:aws:iam::210987654321:role/responder"}
AUDIT = {"PolicyName": "SecurityAudit", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}
READ_ONLY = {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
IR_TAG = [{"Key": "cloudwarden:purpose", "Value": "incident-response"}]


def role(
    principal: Any = SECURITY_TEAM,
    attached: list[dict[str, str]] | None = None,
    tags: list[dict[str, str]] | None = None,
) -> Resource:
    doc = {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    data = {
        "RoleName": "ir",
        "AssumeRolePolicyDocument": doc,
        "AttachedManagedPolicies": attached or [],
        "Tags": tags or [],
    }
    return make_resource(
        "AWS::IAM::Role", f"arn:aws:iam::{ACCOUNT}:role/ir", data, region="global", name="ir"
    )


@pytest.mark.parametrize(
    ("roles", "status", "evidence"),
    [
        ([role(attached=[AUDIT])], Status.PASS, "SecurityAudit"),
        ([role(attached=[READ_ONLY])], Status.PASS, "ReadOnlyAccess"),
        ([role(tags=IR_TAG)], Status.PASS, "tagged cloudwarden:purpose=incident-response"),
        (
            [role(principal={"Service": "config.amazonaws.com"}, attached=[READ_ONLY])],
            Status.FAIL,
            "no role",
        ),
        (
            [role(principal="*", attached=[AUDIT])],
            Status.FAIL,
            "no role",
        ),  # open trust does not count
        ([role()], Status.FAIL, "no role"),  # no investigation policy, no tag
        ([], Status.FAIL, "no role"),
    ],
)
def test_incident_response_role(roles: list[Resource], status: Status, evidence: str) -> None:
    [finding] = findings_for(make_snapshot(roles), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn == f"arn:aws:iam::{ACCOUNT}:account"
