"""awslambda_function_not_public: CIS 2.21 for Lambda resource policies."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:thumbnailer"


def statement(
    principal: Any, condition: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    stmt = {
        "Sid": "s1",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:InvokeFunction",
        "Resource": FN,
        **extra,
    }
    if condition:
        stmt["Condition"] = condition
    return stmt


@pytest.mark.parametrize(
    ("statements", "status"),
    [
        ([statement("*")], Status.FAIL),
        ([statement({"AWS": "*"})], Status.FAIL),
        (
            [statement({"AWS": ["*"]}, {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}})],
            Status.FAIL,
        ),
        ([statement("*", {"StringLike": {"aws:SourceArn": "*"}})], Status.FAIL),
        (
            [
                statement(
                    "*",
                    {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
                    Action="lambda:InvokeFunctionUrl",
                )
            ],
            Status.FAIL,
        ),
        ([statement("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})], Status.PASS),
        ([statement("*", {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}})], Status.PASS),
        (
            [
                statement(
                    {"Service": "s3.amazonaws.com"},
                    {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                )
            ],
            Status.PASS,
        ),
        ([statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})], Status.PASS),
        ([statement("*", Effect="Deny")], Status.PASS),
        ([], Status.PASS),
    ],
    ids=[
        "star",
        "aws-star",
        "negated-condition",
        "wildcard-condition",
        "public-function-url",
        "org-only",
        "source-arn-mixed-case-key",
        "service-with-source-account",
        "own-account",
        "deny",
        "no-policy",
    ],
)
def test_resource_policy(statements: list[dict[str, Any]], status: Status) -> None:
    policy = {"Version": "2012-10-17", "Statement": statements} if statements else None
    snap = make_snapshot(
        [
            make_resource(
                "AWS::Lambda::Function", FN, {"FunctionName": "thumbnailer", "Policy": policy}
            )
        ]
    )
    [finding] = findings_for(snap, "awslambda_function_not_public")
    assert (finding.resource_arn, finding.status) == (FN, status)
    if status is Status.FAIL:
        assert (
            "allows lambda:InvokeFunction" in finding.status_reason
            or "InvokeFunctionUrl" in finding.status_reason
        )


def test_unreadable_policy_is_not_assessed() -> None:
    data = {
        "FunctionName": "thumbnailer",
        "Policy": None,
        "_errors": {"Policy": "lambda:GetPolicy: AccessDeniedException"},
    }
    snap = make_snapshot([make_resource("AWS::Lambda::Function", FN, data)])
    [finding] = findings_for(snap, "awslambda_function_not_public")
    assert finding.status is Status.NOT_ASSESSED
