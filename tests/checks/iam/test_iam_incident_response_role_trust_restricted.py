"""Incident-response roles must trust named principals, not a whole account or everyone."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_incident_response_role_trust_restricted"
SECURITY = "210987654321"
AUDIT = [{"PolicyName": "SecurityAudit", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}]


def role(
    principal: Any, condition: dict[str, Any] | None = None, attached: list[dict[str, str]] = AUDIT
) -> Resource:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    data = {
        "RoleName": "ir",
        "AssumeRolePolicyDocument": {"Statement": [statement]},
        "AttachedManagedPolicies": attached,
    }
    return make_resource(
        "AWS::IAM::Role", f"arn:aws:iam::{ACCOUNT}:role/ir", data, region="global", name="ir"
    )


@pytest.mark.parametrize(
    ("principal", "condition", "status"),
    [
        ({"AWS": f"arn:aws:iam::{SECURITY}:role/responder"}, None, Status.PASS),
        ({"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"}, None, Status.PASS),
        ({"AWS": f"arn:aws:iam::{SECURITY}:root"}, None, Status.FAIL),
        ({"AWS": SECURITY}, None, Status.FAIL),
        (
            {"AWS": f"arn:aws:iam::{SECURITY}:root"},
            {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{SECURITY}:role/responder"}},
            Status.PASS,
        ),
        (
            {"AWS": f"arn:aws:iam::{SECURITY}:root"},
            {"StringEquals": {"aws:PrincipalTag/team": "security"}},
            Status.PASS,
        ),
        (
            {"AWS": f"arn:aws:iam::{SECURITY}:root"},
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            Status.FAIL,
        ),
        ({"AWS": "*"}, None, Status.FAIL),
    ],
)
def test_responder_trust(principal: Any, condition: dict[str, Any] | None, status: Status) -> None:
    [finding] = findings_for(make_snapshot([role(principal, condition)]), CHECK)
    assert finding.status is status
    assert finding.resource_arn == f"arn:aws:iam::{ACCOUNT}:role/ir"


def test_reason_names_the_whole_account_trust() -> None:
    [finding] = findings_for(make_snapshot([role({"AWS": f"arn:aws:iam::{SECURITY}:root"})]), CHECK)
    assert f"trusts all of account {SECURITY}" in finding.status_reason


def test_other_roles_are_not_judged() -> None:
    assert findings_for(make_snapshot([role({"AWS": "*"}, attached=[])]), CHECK) == []
