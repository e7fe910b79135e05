"""The responder policy, judged by cloudwarden's own IAM tools: the validator finds
nothing to warn about, and the simulator allows every declared permission and nothing
else."""

from __future__ import annotations

import re

import pytest

from cloudwarden.iam import PolicySet, Request, catalog, evaluate, parse_policy
from cloudwarden.iam.validate import Category, validate_policy
from cloudwarden.respond.actions import all_actions
from cloudwarden.respond.policy import (
    DEFAULT_RESPONDER_ROLE,
    PASS_ROLE,
    resource_patterns,
    responder_permissions,
    responder_policy,
)

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/{DEFAULT_RESPONDER_ROLE}"
PASSABLE = f"arn:aws:iam::{ACCOUNT}:role/app-*"
POLICY = responder_policy(account=ACCOUNT, passable_roles=[PASSABLE])
POLICIES = PolicySet(identity_policies=[parse_policy(POLICY)])
# KMS also needs the key policy to let the account's IAM policies decide: AWS's default one
DEFAULT_KEY_POLICY = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)
KEY_POLICIES = PolicySet(
    identity_policies=[parse_policy(POLICY)], resource_policy=DEFAULT_KEY_POLICY
)


def example_resource(permission: str) -> str:
    """A concrete ARN of the first resource type the catalogue lists for ``permission``."""
    service = permission.partition(":")[0]
    info = catalog.action_info(permission)
    if not info.resource_types:
        return "*"
    arn = catalog.resource_type_info(service, info.resource_types[0].name).arn_pattern
    values = {"Partition": "aws", "Account": ACCOUNT, "Region": "us-east-1"}
    return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: values.get(m.group(1), "example"), arn)


def decide(action: str, resource: str, context: dict[str, str] | None = None) -> str:
    request = Request(principal=PRINCIPAL, action=action, resource=resource, context=context or {})
    policies = KEY_POLICIES if ":kms:" in resource else POLICIES
    return str(evaluate(request, policies, explain=False).decision)


@pytest.mark.parametrize(
    "policy",
    [responder_policy(), POLICY],
    ids=["default", "one-account-with-passable-roles"],
)
def test_validator_has_no_error_or_security_warning(policy: dict[str, object]) -> None:
    serious = [
        f"{f.code}: {f.message}"
        for f in validate_policy(policy)
        if f.category in (Category.ERROR, Category.SECURITY_WARNING)
    ]
    assert serious == []


def test_no_wildcard_action_and_every_permission_granted() -> None:
    granted: set[str] = set()
    for statement in POLICY["Statement"]:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            assert "*" not in action and "?" not in action
            if statement["Effect"] == "Allow":
                granted.add(action)
    assert granted == set(responder_permissions())


@pytest.mark.parametrize("permission", sorted(set(responder_permissions()) - {PASS_ROLE}))
def test_simulator_allows_each_declared_permission(permission: str) -> None:
    assert decide(permission, example_resource(permission)) == "allowed"


def test_simulator_allows_every_action_of_every_registered_action() -> None:
    for act in all_actions():
        for permission in set(act.permissions) - {PASS_ROLE}:
            assert decide(permission, example_resource(permission)) == "allowed", act.name


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/intruder"),
        ("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/p"),
        ("s3:GetObject", "arn:aws:s3:::bucket/key"),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"),
        ("iam:UpdateAccessKey", "arn:aws:iam::999999999999:user/elsewhere"),  # other account
    ],
)
def test_simulator_denies_what_no_action_needs(action: str, resource: str) -> None:
    assert decide(action, resource) == "implicit_deny"


def test_responder_cannot_change_its_own_role() -> None:
    assert decide("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/victim") == "allowed"
    assert decide("iam:AttachRolePolicy", PRINCIPAL) == "explicit_deny"
    assert decide("iam:DeleteRolePolicy", PRINCIPAL) == "explicit_deny"


def test_pass_role_only_named_roles_only_to_ec2() -> None:
    if PASS_ROLE not in responder_permissions():
        pytest.skip("no registered action passes a role")
    app = f"arn:aws:iam::{ACCOUNT}:role/app-web"
    to_ec2 = {"iam:PassedToService": "ec2.amazonaws.com"}
    assert decide(PASS_ROLE, app, to_ec2) == "allowed"
    assert decide(PASS_ROLE, app, {"iam:PassedToService": "lambda.amazonaws.com"}) != "allowed"
    assert decide(PASS_ROLE, f"arn:aws:iam::{ACCOUNT}:role/admin", to_ec2) != "allowed"
    default = responder_policy()
    assert all(
        PASS_ROLE not in str(s["Action"]) for s in default["Statement"] if s["Effect"] == "Allow"
    )


def test_resource_patterns_follow_the_catalogue() -> None:
    assert resource_patterns("iam:UpdateAccessKey") == ["arn:aws:iam::*:user/*"]
    assert resource_patterns("kms:EnableKey", account=ACCOUNT) == [f"arn:aws:kms:*:{ACCOUNT}:key/*"]
    assert resource_patterns("ec2:DescribeInstances") == ["*"]
    assert resource_patterns("ec2:CreateTags", account=ACCOUNT) == [f"arn:aws:ec2:*:{ACCOUNT}:*"]


def test_bad_permission_is_refused() -> None:
    class Wide:
        permissions = ("iam:*",)

    with pytest.raises(ValueError, match="not service:Action"):
        responder_permissions([Wide()])  # type: ignore[list-item]
