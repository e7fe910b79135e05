"""External access per resource type: who outside the account or the organisation can
act, each answer proven by a witness request that the engine allows when re-asked.

Each resource type gets the same five policies: public, restricted to the organisation
(``aws:PrincipalOrgID``), restricted to a network origin (``aws:SourceVpce`` /
``aws:SourceIp``), granting a named account outside the organisation, and a locked-down
twin granting only the owner's own account.
"""

from __future__ import annotations

from typing import Any

import pytest
from access_helpers import MEMBER, ORG, ORG_ID, OWNER, RESOURCES, STRANGER, policy, recheck

from cloudwarden.iam import evaluate, parse_policy
from cloudwarden.iam.access import analyse_policy, outsider_policy_set
from cloudwarden.iam.access.records import ResourceAccess

TYPES = sorted(RESOURCES)
VPCE = {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
SOURCE_IP = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}


def _analyse(rtype: str, document: dict[str, Any], **kwargs: Any) -> ResourceAccess:
    arn = RESOURCES[rtype][0]
    result = analyse_policy(
        document, arn=arn, resource_type=rtype, account=OWNER, organization=ORG, **kwargs
    )
    recheck(result, document, kwargs.get("rcps"))
    return result


@pytest.mark.parametrize("rtype", TYPES)
def test_public_policy_is_public_without_conditions(rtype: str) -> None:
    result = _analyse(rtype, policy(rtype, "*"))
    public = result.scoped("public")
    assert public, result
    assert RESOURCES[rtype][1] in public[0].actions
    assert any(not a.conditions for a in public)
    assert {a.grantee for a in public} >= {"any AWS account"}
    assert not result.unknown


@pytest.mark.parametrize("rtype", TYPES)
def test_org_restricted_policy_lets_only_the_organisation_in(rtype: str) -> None:
    document = policy(rtype, "*", {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}})
    result = _analyse(rtype, document)
    assert not result.scoped("public")
    assert not result.scoped("outside_org")
    inside = result.scoped("in_org")
    assert inside and inside[0].witness.context["aws:PrincipalOrgID"] == ORG_ID
    # the absent witness: the same principal outside the organisation is denied
    w = inside[0].witness
    outside = {k: v for k, v in w.context.items() if not k.startswith("aws:PrincipalOrg")}
    policies = outsider_policy_set(parse_policy(document), OWNER)
    request = type(w)(w.principal, w.action, w.resource, outside).request(OWNER)
    assert not evaluate(request, policies).allowed


@pytest.mark.parametrize("rtype", TYPES)
@pytest.mark.parametrize(
    ("condition", "key"), [(VPCE, "aws:SourceVpce"), (SOURCE_IP, "aws:SourceIp")]
)
def test_network_restricted_policy_is_public_only_from_there(
    rtype: str, condition: dict[str, Any], key: str
) -> None:
    result = _analyse(rtype, policy(rtype, "*", condition))
    public = result.scoped("public")
    assert public
    assert all(a.conditions == (key,) for a in public)
    value = public[0].witness.context[key]
    assert value == "vpce-1a2b3c4d" or str(value).startswith("203.0.113.")


@pytest.mark.parametrize("rtype", TYPES)
def test_named_account_outside_the_organisation(rtype: str) -> None:
    result = _analyse(rtype, policy(rtype, {"AWS": f"arn:aws:iam::{STRANGER}:root"}))
    assert not result.scoped("public")
    outside = result.scoped("outside_org")
    assert [a.grantee for a in outside] == [f"account {STRANGER}"]
    assert f":{STRANGER}:" in outside[0].witness.principal
    assert not outside[0].conditions


@pytest.mark.parametrize("rtype", TYPES)
def test_named_account_of_the_organisation_is_in_org(rtype: str) -> None:
    result = _analyse(rtype, policy(rtype, {"AWS": MEMBER}))
    assert [a.scope for a in result.accesses] == ["in_org"]
    assert result.accesses[0].grantee == f"account {MEMBER}"


@pytest.mark.parametrize("rtype", TYPES)
def test_locked_down_twin_has_no_external_access(rtype: str) -> None:
    result = _analyse(rtype, policy(rtype, {"AWS": f"arn:aws:iam::{OWNER}:root"}))
    assert result.accesses == ()
    assert result.unknown == ()
    assert result.requests > 0


def test_named_role_is_tried_as_a_session_of_it() -> None:
    role = f"arn:aws:iam::{STRANGER}:role/ci"
    result = _analyse("AWS::SQS::Queue", policy("AWS::SQS::Queue", {"AWS": role}))
    grantees = {a.grantee for a in result.scoped("outside_org")}
    assert grantees == {f"role {role}"}
    assert (
        result.accesses[0].witness.principal
        == f"arn:aws:sts::{STRANGER}:assumed-role/ci/cloudwarden"
    )


def test_deny_fence_on_the_organisation_closes_a_public_allow() -> None:
    arn = RESOURCES["AWS::S3::Bucket"][0]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"{arn}/*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}},
            },
        ],
    }
    result = _analyse("AWS::S3::Bucket", document)
    assert [a.scope for a in result.accesses] == ["in_org"]


def test_rcp_of_the_resource_account_closes_a_public_bucket() -> None:
    rcp = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
        }
    )
    document = policy("AWS::S3::Bucket", "*")
    result = _analyse("AWS::S3::Bucket", document, rcps=[[rcp]])
    assert not result.scoped("outside_org")
    assert [a.grantee for a in result.scoped("in_org")] == ["any account of the organisation"]
    # an anonymous caller has neither key: both IfExists clauses hold, so the Deny applies
    assert not result.scoped("public")


def test_kms_caller_account_condition_names_the_account() -> None:
    document = policy("AWS::KMS::Key", "*", {"StringEquals": {"kms:CallerAccount": STRANGER}})
    result = _analyse("AWS::KMS::Key", document)
    assert [(a.scope, a.grantee) for a in result.accesses] == [
        ("outside_org", f"account {STRANGER}")
    ]


def test_source_keys_come_only_with_service_principals() -> None:
    # the default SNS topic policy: everyone, if AWS:SourceOwner is the owner — a key
    # that direct callers never carry, so no outsider gets in
    document = policy("AWS::SNS::Topic", {"AWS": "*"}, {"StringEquals": {"AWS:SourceOwner": OWNER}})
    assert _analyse("AWS::SNS::Topic", document).accesses == ()


def test_anonymous_callers_only_where_the_service_accepts_them() -> None:
    grantees = {a.grantee for a in _analyse("AWS::KMS::Key", policy("AWS::KMS::Key", "*")).accesses}
    assert "anyone (anonymous)" not in grantees and "any AWS account" in grantees
    sqs = _analyse("AWS::SQS::Queue", policy("AWS::SQS::Queue", "*"))
    assert "anyone (anonymous)" in {a.grantee for a in sqs.accesses}


def test_service_principal_without_source_condition_is_a_confused_deputy() -> None:
    open_door = policy("AWS::Lambda::Function", {"Service": "s3.amazonaws.com"})
    result = _analyse("AWS::Lambda::Function", open_door)
    assert [(a.scope, a.grantee) for a in result.accesses] == [
        ("outside_org", "service s3.amazonaws.com")
    ]
    pinned = policy(
        "AWS::Lambda::Function",
        {"Service": "s3.amazonaws.com"},
        {"StringEquals": {"aws:SourceAccount": OWNER}},
    )
    assert _analyse("AWS::Lambda::Function", pinned).accesses == ()


def test_oidc_trust_without_subject_is_open_and_with_subject_is_conditional() -> None:
    provider = f"arn:aws:iam::{OWNER}:oidc-provider/token.actions.githubusercontent.com"
    action = "sts:AssumeRoleWithWebIdentity"
    aud = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    open_trust = policy("AWS::IAM::Role", {"Federated": provider}, aud, action)
    found = _analyse("AWS::IAM::Role", open_trust).scoped("outside_org")
    assert [a.grantee for a in found] == [f"federated {provider}"]
    assert found[0].conditions == ("token.actions.githubusercontent.com:aud",)
    sub = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}
    pinned = policy("AWS::IAM::Role", {"Federated": provider}, {**aud, **sub}, action)
    access = _analyse("AWS::IAM::Role", pinned).scoped("outside_org")[0]
    assert "token.actions.githubusercontent.com:sub" in access.conditions
    assert str(access.witness.context["token.actions.githubusercontent.com:sub"]).startswith(
        "repo:acme/app:"
    )


def test_external_id_makes_a_cross_account_trust_conditional() -> None:
    document = policy(
        "AWS::IAM::Role",
        {"AWS": f"arn:aws:iam::{STRANGER}:root"},
        {"StringEquals": {"sts:ExternalId": "s3cr3t"}},
    )
    access = _analyse("AWS::IAM::Role", document).scoped("outside_org")[0]
    assert access.conditions == ("sts:ExternalId",)
    assert access.actions == ("sts:AssumeRole",)


def test_actions_are_expanded_from_patterns_over_the_catalogue() -> None:
    document = policy("AWS::SQS::Queue", "*", action="sqs:Get*")
    actions = _analyse("AWS::SQS::Queue", document).scoped("public")[0].actions
    assert "sqs:GetQueueAttributes" in actions
    assert all(a.startswith("sqs:Get") for a in actions)


def test_object_prefix_grant_is_witnessed_under_its_prefix() -> None:
    arn = RESOURCES["AWS::S3::Bucket"][0]
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"{arn}/public/*",
        },
    }
    access = _analyse("AWS::S3::Bucket", document).scoped("public")[0]
    assert access.witness.resource.startswith(f"{arn}/public/")


def test_unparsable_policy_is_unknown() -> None:
    result = analyse_policy(
        {"Statement": [{"Effect": "Maybe", "Action": "s3:*"}]},
        arn="arn:aws:s3:::b",
        resource_type="AWS::S3::Bucket",
        account=OWNER,
    )
    assert result.accesses == () and "does not parse" in result.unknown[0]


def test_policy_variable_in_a_condition_is_marked_unknown() -> None:
    document = policy(
        "AWS::SNS::Topic", "*", {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}
    )
    result = _analyse("AWS::SNS::Topic", document)
    assert any("policy variable" in u for u in result.unknown)


def test_principal_name_patterns_are_tried_in_every_account() -> None:
    # any account can create a role called admin-…: the grant is public
    document = policy(
        "AWS::SecretsManager::Secret",
        "*",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
    )
    result = _analyse("AWS::SecretsManager::Secret", document)
    public = result.scoped("public")
    assert public and "assumed-role/admin-" in public[0].witness.principal


def test_username_condition_is_tried_as_that_user() -> None:
    document = policy(
        "AWS::SQS::Queue", {"AWS": STRANGER}, {"StringEquals": {"aws:username": "deployer"}}
    )
    (access,) = _analyse("AWS::SQS::Queue", document).accesses
    assert access.witness.principal == f"arn:aws:iam::{STRANGER}:user/deployer"
