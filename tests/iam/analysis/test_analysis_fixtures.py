"""The tool-testing fixtures of iam-vulnerable, rebuilt in memory: false negatives a
policy-at-a-time or action-matching scanner misses, and false positives it reports."""

from __future__ import annotations

from typing import Any

import pytest
from analysis_builders import ADMIN_ARN, Account, allow, arn, deny, doc, trust

from cloudwarden.iam.analysis import account_data_from_snapshot, analyze

ROLE = arn("role", "subject")


def _subject(build: Any) -> list[str]:
    """Techniques of the paths of the role ``subject`` built by ``build(account)``."""
    a = Account()
    a.managed("AdministratorAccess", doc(allow("*")))
    statements, attached = build(a)
    a.role("subject", trust({"Service": "ec2.amazonaws.com"}), *statements, attached=attached)
    analysis = analyze(account_data_from_snapshot(a.snapshot()), risky=False)
    return [h.technique for p in analysis.paths if p.principal == ROLE for h in p.hops]


def fn1(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """RunInstances in one policy, PassRole in another, on the same role."""
    a.role(
        "ec2-admin", trust({"Service": "ec2.amazonaws.com"}), attached=(ADMIN_ARN,), profile=True
    )
    return [
        doc(allow("ec2:RunInstances")),
        doc(allow("iam:PassRole", arn("role", "ec2-admin"))),
    ], ()


def fn2(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """CreatePolicyVersion on a pattern that covers a policy attached to the role."""
    policy = a.managed(
        "fn2-exploitable", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*"))
    )
    return [], (policy,)


def fn3(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """CreatePolicyVersion on * under a condition that is always true today."""
    cond = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
    policy = a.managed("fn3", doc(allow("iam:CreatePolicyVersion", Condition=cond)))
    return [], (policy,)


def fn4(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Allow NotAction [iam:Update*, iam:Create*, iam:Attach*] on *: Put*Policy remains."""
    st = {
        "Effect": "Allow",
        "NotAction": ["iam:Update*", "iam:Create*", "iam:Attach*"],
        "Resource": "*",
    }
    return [doc(st)], ()


def fp1(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    return [doc(allow("iam:*"), deny("iam:*"))], ()


def fp2(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    return [doc(allow("*")), doc(deny("*"))], ()


def fp3(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    return [doc(deny("iam:*"))], ()


def fp4(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """CreatePolicyVersion on the AWS-managed namespace, which no one can write."""
    policy = a.managed(
        "fp4", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/fp4-*"))
    )
    return [], (policy,)


def fp5(a: Account) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    cond = {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
    policy = a.managed("fp5", doc(allow("iam:CreatePolicyVersion", Condition=cond)))
    return [], (policy,)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (fn1, "R20-passrole-ec2-existing-profile"),
        (fn2, "R1-create-policy-version"),
        (fn3, "R1-create-policy-version"),
        (fn4, "R11-put-role-policy"),
    ],
)
def test_false_negatives_are_found(build: Any, expected: str) -> None:
    assert expected in _subject(build)


@pytest.mark.parametrize("build", [fp1, fp2, fp3, fp4, fp5])
def test_false_positives_are_not_reported(build: Any) -> None:
    assert _subject(build) == []


def test_role_trusting_the_account_with_no_policies_is_a_trust_not_a_path() -> None:
    a = Account()
    a.role("permissive", trust({"AWS": "arn:aws:iam::111122223333:root"}))
    a.user("someone", doc(allow("sts:AssumeRole")))
    analysis = analyze(account_data_from_snapshot(a.snapshot()), risky=False)
    assert analysis.paths == []
    assert [e.technique for e in analysis.edges] == ["R14-assume-role"]
    assert [(t.kind, t.cross_account) for t in analysis.role_graph] == [("account", False)]
