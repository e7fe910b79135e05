"""Shared builders for the external-access tables: accounts, ARNs, policies, re-checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cloudwarden.iam import evaluate, parse_policy
from cloudwarden.iam.access import Organization, ResourceAccess, outsider_policy_set
from cloudwarden.iam.policy import Policy

OWNER = "123456789012"
MEMBER = "222233334444"  # another account of the organisation
STRANGER = "444455556666"  # an account outside the organisation
ORG_ID = "o-abc123def4"
ORG = Organization(
    ORG_ID,
    frozenset({OWNER, MEMBER}),
    {OWNER: f"{ORG_ID}/r-ab12/ou-ab12-11111111/", MEMBER: f"{ORG_ID}/r-ab12/"},
)

# resource type -> (ARN, an action the tables grant, the Resource element to use)
RESOURCES: dict[str, tuple[str, str, str | None]] = {
    "AWS::S3::Bucket": ("arn:aws:s3:::data-bucket", "s3:GetObject", "arn:aws:s3:::data-bucket/*"),
    "AWS::KMS::Key": (
        f"arn:aws:kms:us-east-1:{OWNER}:key/1111-2222-3333",
        "kms:Decrypt",
        "*",
    ),
    "AWS::SQS::Queue": (f"arn:aws:sqs:us-east-1:{OWNER}:jobs", "sqs:SendMessage", None),
    "AWS::SNS::Topic": (f"arn:aws:sns:us-east-1:{OWNER}:alerts", "sns:Publish", None),
    "AWS::Lambda::Function": (
        f"arn:aws:lambda:us-east-1:{OWNER}:function:worker",
        "lambda:InvokeFunction",
        None,
    ),
    "AWS::SecretsManager::Secret": (
        f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:db-AbCdEf",
        "secretsmanager:GetSecretValue",
        "*",
    ),
    "AWS::ECR::Repository": (
        f"arn:aws:ecr:us-east-1:{OWNER}:repository/app",
        "ecr:BatchGetImage",
        None,
    ),
    "AWS::IAM::Role": (f"arn:aws:iam::{OWNER}:role/deploy", "sts:AssumeRole", None),
}


def policy(
    rtype: str, principal: Any, condition: dict[str, Any] | None = None, action: str | None = None
) -> dict[str, Any]:
    """One Allow statement on the table's resource, action and principal."""
    arn, default_action, resource = RESOURCES[rtype]
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action or default_action,
    }
    if rtype != "AWS::IAM::Role":
        statement["Resource"] = resource or arn
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def recheck(
    result: ResourceAccess,
    document: dict[str, Any],
    rcps: Sequence[Sequence[Policy]] | None = None,
) -> None:
    """Every witness of a policy grant is allowed when the engine decides it afresh."""
    policies = outsider_policy_set(parse_policy(document), result.account, rcps)
    for access in result.accesses:
        if access.via != "policy":
            continue
        decision = evaluate(access.witness.request(result.account), policies)
        assert decision.allowed, (access.grantee, access.witness, decision.reason)
