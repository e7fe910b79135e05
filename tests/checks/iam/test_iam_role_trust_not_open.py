"""Open trust: wildcard principals without a pinning condition, and OIDC trusts without sub."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_role_trust_not_open"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def stmt(
    principal: Any, condition: dict[str, Any] | None = None, action: str = "sts:AssumeRole"
) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        s["Condition"] = condition
    return s


def judge(*statements: dict[str, Any]) -> Any:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    role = make_resource(
        "AWS::IAM::Role",
        f"arn:aws:iam::{ACCOUNT}:role/r",
        {"RoleName": "r", "AssumeRolePolicyDocument": doc},
        region="global",
        name="r",
    )
    [finding] = findings_for(make_snapshot([role]), CHECK)
    return finding


@pytest.mark.parametrize(
    ("statement", "status"),
    [
        (stmt("*"), Status.FAIL),
        (stmt({"AWS": "*"}), Status.FAIL),
        (stmt({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), Status.FAIL),
        (stmt({"AWS": "arn:aws:iam::*:root"}), Status.FAIL),  # account wildcard
        (stmt({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}), Status.PASS),
        (stmt({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "a1b2c3"}}), Status.PASS),
        (
            stmt(
                {"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}
            ),
            Status.PASS,
        ),
        # these conditions do not pin the caller:
        (
            stmt({"AWS": "*"}, {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}),
            Status.FAIL,
        ),
        (stmt({"AWS": "*"}, {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}), Status.FAIL),
        (stmt({"AWS": "*"}, {"StringLike": {"aws:PrincipalOrgID": "*"}}), Status.FAIL),
        (stmt({"AWS": "*"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}), Status.FAIL),
        (stmt({"AWS": "arn:aws:iam::111122223333:role/deployer"}), Status.PASS),
        (stmt({"Service": "lambda.amazonaws.com"}), Status.PASS),
        ({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}, Status.PASS),
        (
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
            },
            Status.FAIL,
        ),
    ],
)
def test_aws_principals(statement: dict[str, Any], status: Status) -> None:
    assert judge(statement).status is status


@pytest.mark.parametrize(
    ("principal", "condition", "status"),
    [
        (
            {"Federated": GITHUB},
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            Status.FAIL,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/app:*"}},
            Status.PASS,
        ),
        (
            {"Federated": GITHUB},
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}},
            Status.FAIL,
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:1111"}},
            Status.PASS,
        ),
        ({"Federated": "cognito-identity.amazonaws.com"}, None, Status.FAIL),
        (
            {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"},
            None,
            Status.PASS,
        ),  # SAML: the IdP decides
    ],
)
def test_web_identity_needs_a_subject(
    principal: dict[str, str], condition: dict[str, Any] | None, status: Status
) -> None:
    finding = judge(stmt(principal, condition, action="sts:AssumeRoleWithWebIdentity"))
    assert finding.status is status


def test_reason_names_statement_and_principal() -> None:
    finding = judge({"Sid": "Anyone", **stmt({"AWS": "*"})})
    assert "statement Anyone trusts *" in finding.status_reason
