"""Request context: derived global keys, explicit overrides, principal classification."""

from __future__ import annotations

import pytest
from iam_helpers import ACCT, FED_USER, ROLE, ROOT, SESSION, SLR_SESSION, USER, request

from cloudwarden.iam import PrincipalKind, RequestContext, principal_info

KEYS = "AWS global condition context keys"
PRIN = "AWS JSON policy elements: Principal"
QUEUE = f"arn:aws:sqs:eu-west-1:{ACCT}:q"

DERIVED_CASES = [
    (USER, "*", "aws:PrincipalArn", USER, f"{KEYS} — aws:PrincipalArn of an IAM user"),
    (SESSION, "*", "aws:PrincipalArn", ROLE, f"{KEYS} — aws:PrincipalArn of a role session is the role ARN"),
    (FED_USER, "*", "aws:PrincipalArn", FED_USER, f"{KEYS} — aws:PrincipalArn of a federated user"),
    (ROOT, "*", "aws:PrincipalArn", ROOT, f"{KEYS} — aws:PrincipalArn of the root user"),
    (USER, "*", "aws:PrincipalAccount", ACCT, f"{KEYS} — aws:PrincipalAccount"),
    (SESSION, "*", "aws:PrincipalAccount", ACCT, f"{KEYS} — aws:PrincipalAccount of a session"),
    (USER, "*", "aws:PrincipalType", "User", f"{KEYS} — aws:PrincipalType User"),
    (SESSION, "*", "aws:PrincipalType", "AssumedRole", f"{KEYS} — aws:PrincipalType AssumedRole"),
    (FED_USER, "*", "aws:PrincipalType", "FederatedUser", f"{KEYS} — aws:PrincipalType FederatedUser"),
    (ROOT, "*", "aws:PrincipalType", "Account", f"{KEYS} — aws:PrincipalType Account"),
    ("anonymous", "*", "aws:PrincipalType", "Anonymous", f"{KEYS} — aws:PrincipalType Anonymous"),
    (USER, "*", "aws:username", "alice", f"{KEYS} — aws:username for IAM users"),
    (SESSION, "*", "aws:username", None, f"{KEYS} — no aws:username for role sessions"),
    (USER, "*", "aws:userid", None, f"{KEYS} — aws:userid cannot be derived"),
    (USER, "*", "aws:CurrentTime", "2025-06-15T12:00:00Z", f"{KEYS} — aws:CurrentTime from the clock"),
    (USER, "*", "aws:EpochTime", "1749988800", f"{KEYS} — aws:EpochTime from the clock"),
    (USER, QUEUE, "aws:RequestedRegion", "eu-west-1", f"{KEYS} — aws:RequestedRegion from the resource ARN"),
    (USER, "arn:aws:s3:::b", "aws:RequestedRegion", None, f"{KEYS} — no region in an S3 ARN"),
    (USER, "arn:aws:sqs:eu-west-1:444455556666:q", "aws:ResourceAccount", "444455556666", f"{KEYS} — aws:ResourceAccount from the resource ARN"),
    ("s3.amazonaws.com", "*", "aws:PrincipalIsAWSService", "true", f"{KEYS} — aws:PrincipalIsAWSService for service principals"),
    (USER, "*", "aws:PrincipalIsAWSService", "false", f"{KEYS} — aws:PrincipalIsAWSService false for IAM users"),
    ("s3.amazonaws.com", "*", "aws:PrincipalServiceName", "s3.amazonaws.com", f"{KEYS} — aws:PrincipalServiceName"),
    ("s3.amazonaws.com", "*", "aws:PrincipalArn", None, f"{KEYS} — no aws:PrincipalArn for service principals"),
]  # fmt: skip


@pytest.mark.parametrize(("principal", "resource", "key", "expected", "doc"), DERIVED_CASES)
def test_derived_keys(
    principal: str, resource: str, key: str, expected: str | None, doc: str
) -> None:
    ctx = RequestContext(request(principal, resource=resource))
    assert ctx.get(key.lower()) == expected, doc


def test_explicit_context_overrides_derived_keys() -> None:
    ctx = RequestContext(
        request(SESSION, context={"AWS:PrincipalArn": "arn:aws:iam::111122223333:role/x/app"})
    )
    assert ctx.get("aws:principalarn") == "arn:aws:iam::111122223333:role/x/app"


def test_resource_account_fallbacks() -> None:
    assert RequestContext(request(USER, resource="arn:aws:s3:::b")).resource_account == ACCT
    assert RequestContext(request(USER), resource_account="444455556666").same_account is False
    explicit = request(USER, context={"aws:ResourceAccount": "999988887777"})
    assert RequestContext(explicit).resource_account == "999988887777"


PRINCIPAL_CASES = [
    (USER, PrincipalKind.USER, f"{PRIN} — IAM user ARN"),
    ("arn:aws:iam::111122223333:user/dev/alice", PrincipalKind.USER, f"{PRIN} — IAM user with a path"),
    (ROLE, PrincipalKind.ROLE, f"{PRIN} — IAM role ARN"),
    (SESSION, PrincipalKind.ROLE_SESSION, f"{PRIN} — assumed-role session"),
    (FED_USER, PrincipalKind.FEDERATED_USER, f"{PRIN} — federated user session"),
    (ROOT, PrincipalKind.ROOT, f"{PRIN} — account root user"),
    (ACCT, PrincipalKind.ROOT, f"{PRIN} — bare account id"),
    ("lambda.amazonaws.com", PrincipalKind.SERVICE, f"{PRIN} — service principal"),
    ("cognito-identity.amazonaws.com", PrincipalKind.FEDERATED, f"{PRIN} — web identity provider"),
    ("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", PrincipalKind.FEDERATED, f"{PRIN} — OIDC provider"),
    ("*", PrincipalKind.ANONYMOUS, f"{PRIN} — anonymous caller"),
]  # fmt: skip


@pytest.mark.parametrize(("principal", "kind", "doc"), PRINCIPAL_CASES)
def test_principal_kinds(principal: str, kind: PrincipalKind, doc: str) -> None:
    assert principal_info(principal).kind is kind, doc


def test_service_linked_role_detection() -> None:
    assert principal_info(SLR_SESSION).is_service_linked_role
    path_role = "arn:aws:iam::1:role/aws-service-role/x.amazonaws.com/Custom"
    assert principal_info(path_role).is_service_linked_role
    assert not principal_info(SESSION).is_service_linked_role
