"""Account mode: policies gathered from a snapshot, decided on the compiled fast path.

Sources: "Policy evaluation logic" (identity, group, managed, boundary, SCP, RCP and
resource-based policies together); "Managed policies and inline policies" (a managed
policy's default version is the one in effect); AWS Organizations, "Service control
policies" (every level of the path, root to account; not the management account);
"Resource control policies (RCPs)".
"""

from __future__ import annotations

import pytest
from account_fixture import (
    ACCT,
    ADMIN,
    ALICE,
    APP_ROLE,
    BOB,
    BUCKET,
    KEY,
    MGMT,
    ORG,
    organisation_snapshot,
)

from cloudwarden.iam.account import (
    AccountDataError,
    AccountPolicies,
    policies_for,
    principal_context,
    who_can,
)

SNAPSHOT = organisation_snapshot()
ACCOUNTS = AccountPolicies(SNAPSHOT)
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/worker"


def test_policies_for_gathers_every_type() -> None:
    policies = policies_for(SNAPSHOT, ALICE, f"{BUCKET}/report.csv")
    assert len(policies.identity_policies) == 3  # inline, managed (default version), group inline
    assert policies.permission_boundary is not None
    assert policies.resource_policy is not None  # an object uses its bucket's policy
    assert policies.resource_account == ACCT
    assert policies.scps is not None and [len(level) for level in policies.scps] == [1, 1, 1]
    assert policies.rcps is not None and [len(level) for level in policies.rcps] == [1, 0, 0]
    assert policies.principal_is_management_account is False


def test_management_account_has_no_scps() -> None:
    policies = policies_for(SNAPSHOT, ADMIN, BUCKET)
    assert policies.scps is None
    assert policies.principal_is_management_account is True


CTX = {"aws:PrincipalOrgID": ORG}
CASES = [
    (ALICE, "s3:GetObject", f"{BUCKET}/k", CTX, "allowed", "managed policy, default version v2"),
    (ALICE, "s3:PutObject", f"{BUCKET}/k", CTX, "implicit_deny", "v1 (Allow *) is not the default"),
    (ALICE, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:q", CTX, "allowed", "inline policy"),
    (ALICE, "dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t", CTX,
     "implicit_deny", "boundary does not allow dynamodb"),
    (ALICE, "s3:DeleteBucket", BUCKET, CTX, "explicit_deny", "SCP guard on the OU level"),
    (ALICE, "sts:AssumeRole", APP_ROLE, CTX, "allowed", "group policy and the role's trust policy"),
    (BOB, "sts:AssumeRole", APP_ROLE, CTX, "implicit_deny", "trust policy names alice only"),
    (ALICE, "kms:Decrypt", KEY, CTX, "allowed", "key policy enables IAM policies"),
    (BOB, "s3:GetObject", f"{BUCKET}/k", CTX, "allowed", "bucket policy names bob"),
    (BOB, "s3:GetObject", f"{BUCKET}/k", {}, "explicit_deny", "RCP perimeter without org id"),
    (BOB, "s3:PutObject", f"{BUCKET}/k", CTX, "implicit_deny", "nothing allows"),
    (SESSION, "dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCT}:table/t", CTX, "allowed",
     "an assumed-role session uses its role's policies"),
    (ADMIN, "s3:DeleteBucket", BUCKET, CTX, "implicit_deny",
     "cross-account: bucket policy does not name the admin"),
]  # fmt: skip


@pytest.mark.parametrize(("principal", "action", "resource", "context", "expected", "why"), CASES)
def test_account_decisions(
    principal: str, action: str, resource: str, context: dict[str, str], expected: str, why: str
) -> None:
    assert ACCOUNTS.decide(principal, action, resource, context) == expected, why
    assert ACCOUNTS.evaluate(principal, action, resource, context).decision == expected


def test_who_can_lists_allowed_principals() -> None:
    found = who_can(SNAPSHOT, "s3:GetObject", f"{BUCKET}/k")
    assert [a.principal for a in found] == [BOB, ALICE]
    everyone = who_can(SNAPSHOT, "s3:GetObject", f"{BUCKET}/k", include_denied=True)
    assert {a.principal for a in everyone} == {ALICE, BOB, APP_ROLE, ADMIN}
    assert all(a.allowed == (a.decision == "allowed") for a in everyone)


def test_principal_context_from_tags_and_organisation() -> None:
    context = principal_context(SNAPSHOT, ALICE)
    assert context["aws:PrincipalTag/team"] == "blue"
    assert context["aws:PrincipalOrgID"] == ORG
    assert context["aws:PrincipalOrgPaths"] == [f"{ORG}/r-root/ou-dev/"]


def test_unknown_principal_is_a_clear_error() -> None:
    with pytest.raises(AccountDataError, match="not an IAM user or role"):
        policies_for(SNAPSHOT, f"arn:aws:iam::{ACCT}:user/nobody", BUCKET)


def test_missing_managed_policy_is_a_clear_error() -> None:
    fresh = organisation_snapshot()  # not yet indexed, so the copy indexes its own resources
    trimmed = fresh.model_copy(
        update={"resources": tuple(r for r in fresh.resources if not r.arn.endswith("ReadS3"))}
    )
    with pytest.raises(AccountDataError, match="ReadS3 attached to"):
        policies_for(trimmed, ALICE, BUCKET)


def test_unrelated_account_resource_is_not_in_the_management_account() -> None:
    policies = policies_for(SNAPSHOT, ADMIN, f"arn:aws:sqs:us-east-1:{MGMT}:q")
    assert policies.resource_is_management_account is True
    assert policies.resource_policy is None
