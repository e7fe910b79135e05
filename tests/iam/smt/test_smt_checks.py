"""The z3-backed custom policy checks, one IAM rule per case.

Each case names the rule it exercises (``doc``: the AWS documentation page, or the
choice in docs/iam-semantics.md). Every FAIL carries a witness request, and every witness
is decided again here by the engine: allowed under the policy that must allow it, and
not allowed under the reference policy where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cloudwarden.iam import Policy, parse_policy
from cloudwarden.iam.smt import (
    CheckResult,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
    engine_allows,
)


def policy(*statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def when(**blocks: dict[str, Any]) -> dict[str, Any]:
    return {"Condition": blocks}


ALICE = "arn:aws:iam::111122223333:user/alice"


@dataclass(frozen=True)
class NewAccessCase:
    id: str
    doc: str
    new: Policy
    reference: Policy
    expected: str
    policy_type: str = "identity"
    resource_type: str | None = None
    witness: dict[str, Any] = field(default_factory=dict)  # fields the witness must have


def _identity(
    id: str, doc: str, new: Policy, reference: Policy, expected: str, **witness: Any
) -> NewAccessCase:
    return NewAccessCase(id, doc, new, reference, expected, witness=witness)


NEW_ACCESS_CASES = [
    _identity("action-wildcard-broadens", "Action: * matches any run of characters",
              policy(allow("s3:Get*", "arn:aws:s3:::reports/*")),
              policy(allow("s3:GetObject", "arn:aws:s3:::reports/*")), "FAIL"),
    _identity("action-wildcard-narrows", "Action: * matches any run of characters",
              policy(allow("s3:GetObject", "arn:aws:s3:::reports/*")),
              policy(allow("s3:Get*", "arn:aws:s3:::reports/*")), "PASS"),
    _identity("action-case-insensitive", "Action: action names are case-insensitive",
              policy(allow("S3:getobject")), policy(allow("s3:GetObject")), "PASS"),
    _identity("action-question-mark", "Action: ? matches exactly one character",
              policy(allow("s3:GetObjec?")), policy(allow("s3:GetObject")), "PASS"),
    _identity("not-action-subset", "NotAction: every action except those listed",
              policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
              policy(allow("*")), "PASS"),
    _identity("not-action-excludes", "NotAction: every action except those listed",
              policy(allow("*")),
              policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "FAIL"),
    _identity("not-resource", "NotResource: every resource except those listed",
              policy(allow("s3:GetObject")),
              policy({"Effect": "Allow", "Action": "s3:GetObject",
                      "NotResource": "arn:aws:s3:::secret/*"}), "FAIL"),
    _identity("arn-wildcard-stays-in-part", "IAM identifiers: a wildcard before the fifth "
              "colon stays inside its ARN part",
              policy(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:queue")),
              policy(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:queue")),
              "FAIL"),
    _identity("arn-short-pattern", "choice 15: a short pattern's last wildcard swallows "
              "the rest of the ARN",
              policy(allow("ec2:StartInstances", "arn:aws:ec2:*")),
              policy(allow("ec2:StartInstances", "arn:aws:ec2:*:*:*")), "PASS"),
    _identity("arn-case-sensitive", "Resource: ARNs match case-sensitively",
              policy(allow("s3:GetObject", "arn:aws:s3:::Reports/*")),
              policy(allow("s3:GetObject", "arn:aws:s3:::reports/*")), "FAIL"),
    _identity("deny-overrides", "Policy evaluation logic: an explicit Deny is final",
              policy(allow("s3:*"), deny("s3:Delete*")), policy(allow("s3:*")), "PASS"),
    _identity("deny-removed", "Policy evaluation logic: an explicit Deny is final",
              policy(allow("s3:*")), policy(allow("s3:*"), deny("s3:Delete*")), "FAIL"),
    _identity("string-equals", "Condition operators: StringEquals",
              policy(allow("s3:GetObject", **when(StringEquals={"aws:RequestedRegion": "eu-west-1"}))),
              policy(allow("s3:GetObject")), "PASS"),
    _identity("string-equals-dropped", "Condition operators: StringEquals; key absent → false",
              policy(allow("s3:GetObject")),
              policy(allow("s3:GetObject", **when(StringEquals={"aws:RequestedRegion": "eu-west-1"}))),
              "FAIL"),
    _identity("string-like", "Condition operators: StringLike with * and ?",
              policy(allow("s3:ListBucket", **when(StringLike={"s3:prefix": "home/?/*"}))),
              policy(allow("s3:ListBucket", **when(StringLike={"s3:prefix": "home/*"}))), "PASS"),
    _identity("string-ignore-case", "Condition operators: StringEqualsIgnoreCase",
              policy(allow("s3:GetObject", **when(StringEqualsIgnoreCase={"aws:PrincipalTag/team": "Ops"}))),
              policy(allow("s3:GetObject", **when(StringEquals={"aws:PrincipalTag/team": ["ops", "OPS"]}))),
              "FAIL"),
    _identity("string-not-equals-absent", "negated operators hold when the key is absent",
              policy(allow("s3:GetObject", **when(StringNotEquals={"aws:PrincipalTag/team": "ops"}))),
              policy(allow("s3:GetObject", **when(StringLike={"aws:PrincipalTag/team": "*"}))),
              "FAIL", context={}),
    _identity("numeric", "Condition operators: NumericLessThan vs NumericLessThanEquals",
              policy(allow("s3:ListBucket", **when(NumericLessThanEquals={"s3:max-keys": "10"}))),
              policy(allow("s3:ListBucket", **when(NumericLessThan={"s3:max-keys": "10"}))),
              "FAIL", context={"s3:max-keys": "10"}),
    _identity("numeric-narrower", "Condition operators: Numeric",
              policy(allow("s3:ListBucket", **when(NumericLessThan={"s3:max-keys": "2.5"}))),
              policy(allow("s3:ListBucket", **when(NumericLessThanEquals={"s3:max-keys": "2.5"}))),
              "PASS"),
    _identity("date", "Condition operators: Date (ISO 8601 and epoch seconds)",
              policy(allow("s3:GetObject", **when(DateLessThan={"aws:CurrentTime": "2030-01-01T00:00:00Z"}))),
              policy(allow("s3:GetObject", **when(DateLessThan={"aws:CurrentTime": "1735689600"}))),
              "FAIL"),
    _identity("bool-if-exists", "…IfExists: true when the key is absent",
              policy(allow("s3:GetObject", **when(BoolIfExists={"aws:MultiFactorAuthPresent": "true"}))),
              policy(allow("s3:GetObject", **when(Bool={"aws:MultiFactorAuthPresent": "true"}))),
              "FAIL", context={}),
    _identity("ip-address", "Condition operators: IpAddress with CIDR blocks",
              policy(allow("s3:GetObject", **when(IpAddress={"aws:SourceIp": "10.0.0.0/8"}))),
              policy(allow("s3:GetObject", **when(IpAddress={"aws:SourceIp": ["10.0.0.0/9", "10.128.0.0/9"]}))),
              "PASS"),
    _identity("ip-v6", "choice 22: IPv4 addresses never fall inside IPv6 blocks",
              policy(allow("s3:GetObject", **when(NotIpAddress={"aws:SourceIp": "2001:db8::/32"}))),
              policy(allow("s3:GetObject", **when(IpAddress={"aws:SourceIp": "0.0.0.0/0"}))),
              "FAIL"),
    _identity("binary", "Condition operators: BinaryEquals (base64)",
              policy(allow("s3:GetObject", **when(BinaryEquals={"aws:PrincipalTag/blob": "QUJD"}))),
              policy(allow("s3:GetObject", **when(BinaryEquals={"aws:PrincipalTag/blob": "QUJD"}))),
              "PASS"),
    _identity("arn-like", "Condition operators: ArnLike compares the six ARN parts",
              policy(allow("sns:Publish", **when(ArnLike={"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}))),
              policy(allow("sns:Publish", **when(ArnEquals={"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:alerts"}))),
              "FAIL"),
    _identity("null", "Condition operators: Null tests presence",
              policy(allow("s3:GetObject")),
              policy(allow("s3:GetObject", **when(Null={"aws:TokenIssueTime": "true"}))),
              "FAIL"),
    _identity("for-all-values-absent", "ForAllValues holds when the key is absent; "
              "ForAnyValue does not",
              policy(allow("iam:TagUser", **when(**{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}))),
              policy(allow("iam:TagUser", **when(**{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}))),
              "FAIL", context={}),
    _identity("for-any-value-narrower", "Single-valued vs. multivalued context keys",
              policy(allow("iam:TagUser", **when(**{"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}))),
              policy(allow("iam:TagUser", **when(**{"ForAnyValue:StringLike": {"aws:TagKeys": "t*"}}))),
              "PASS"),
    _identity("variable-string-equals", "Variables and tags: ${aws:username} in a String value",
              policy(allow("s3:ListBucket", **when(StringEquals={"s3:prefix": "home/${aws:username}"}))),
              policy(allow("s3:ListBucket", **when(StringLike={"s3:prefix": "home/*"}))), "PASS"),
    _identity("variable-string-equals-wider", "Variables and tags: ${aws:username}",
              policy(allow("s3:ListBucket", **when(StringLike={"s3:prefix": "home/*"}))),
              policy(allow("s3:ListBucket", **when(StringEquals={"s3:prefix": "home/${aws:username}"}))),
              "FAIL"),
    _identity("variable-in-resource", "Variables and tags: not encoded in Resource → UNKNOWN",
              policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")),
              policy(allow("s3:GetObject", "arn:aws:s3:::home/*")), "UNKNOWN"),
    NewAccessCase(
        "resource-new-account", "AWS JSON policy elements: Principal (AWS account principals)",
        policy({"Effect": "Allow", "Principal": {"AWS": ["111122223333", "444455556666"]},
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}),
        policy({"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}),
        "FAIL", "resource", "AWS::S3::Bucket"),
    NewAccessCase(
        "resource-not-principal-chain", "NotPrincipal: a Deny spares only a caller whose whole "
        "chain is listed, so the account's root user is spared but not its role sessions",
        policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::reports/*"},
               {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, "111122223333"]},
                "Action": "s3:*", "Resource": "*"}),
        policy({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::reports/*"}),
        "FAIL", "resource", "AWS::S3::Bucket",
        witness={"principal": "arn:aws:iam::111122223333:root"}),
    NewAccessCase(
        "resource-service-principal", "Principal: service principals are matched exactly",
        policy({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": "*"}),
        policy({"Effect": "Allow", "Principal": {"Service": "SNS.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": "*"}),
        "PASS", "resource", "AWS::SQS::Queue"),
]  # fmt: skip


def _check_witness(result: CheckResult, mode: str, allows: Policy, denies: Policy | None) -> None:
    assert result.witness is not None, result
    assert engine_allows(mode, allows, result.witness), result.witness  # type: ignore[arg-type]
    if denies is not None:
        assert not engine_allows(mode, denies, result.witness), result.witness  # type: ignore[arg-type]


@pytest.mark.parametrize("case", NEW_ACCESS_CASES, ids=lambda c: c.id)
def test_check_no_new_access(case: NewAccessCase) -> None:
    result = check_no_new_access(
        case.new, case.reference, policy_type=case.policy_type, resource_type=case.resource_type
    )
    assert result.result == case.expected, (case.doc, result)
    if result.result == "FAIL":
        _check_witness(result, case.policy_type, case.new, case.reference)
        assert result.witness is not None
        for name, value in case.witness.items():
            assert getattr(result.witness, name) == value, (case.doc, result.witness)
    if result.result == "UNKNOWN":
        assert result.reason


REPORTS = policy(allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]),
                 deny("s3:GetObject", "arn:aws:s3:::reports/private/*"))  # fmt: skip

NOT_GRANTED_CASES = [
    ("other-action", "Action: the policy does not name s3:PutObject", REPORTS,
     ["s3:PutObject"], [], "PASS"),
    ("granted-action", "Action: s3:GetObject on some object of reports", REPORTS,
     ["s3:PutObject", "s3:GetObject"], [], "FAIL"),
    ("other-resource", "Resource: a bucket the policy does not name", REPORTS,
     ["s3:GetObject"], ["arn:aws:s3:::payroll/q3.csv"], "PASS"),
    ("denied-resource", "an explicit Deny is final", REPORTS,
     ["s3:GetObject"], ["arn:aws:s3:::reports/private/q3.csv"], "PASS"),
    ("granted-resource", "Resource: reports/* matches", REPORTS,
     ["s3:GetObject"], ["arn:aws:s3:::reports/private/q3.csv", "arn:aws:s3:::reports/q3.csv"],
     "FAIL"),
]  # fmt: skip


@pytest.mark.parametrize("case", NOT_GRANTED_CASES, ids=lambda c: c[0])
def test_check_access_not_granted(case: tuple[Any, ...]) -> None:
    _, doc, pol, actions, resources, expected = case
    result = check_access_not_granted(pol, actions, resources)
    assert result.result == expected, (doc, result)
    if expected == "FAIL":
        _check_witness(result, "identity", pol, None)
        assert result.witness is not None
        assert result.witness.action in actions
        assert not resources or result.witness.resource in resources


def test_access_not_granted_resource_policy() -> None:
    key_policy = policy({"Effect": "Allow", "Principal": {"AWS": "444455556666"},
                         "Action": "kms:Decrypt", "Resource": "*"})  # fmt: skip
    result = check_access_not_granted(
        key_policy, ["kms:Decrypt"], policy_type="resource", resource_type="AWS::KMS::Key"
    )
    assert result.result == "FAIL"
    _check_witness(result, "resource", key_policy, None)
    passed = check_access_not_granted(
        key_policy, ["kms:Encrypt"], policy_type="resource", resource_type="kms:key"
    )
    assert passed.result == "PASS"


def public(*conditions: dict[str, Any], principal: Any = "*", **extra: Any) -> Policy:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::reports/*", **extra}  # fmt: skip
    for block in conditions:
        statement["Condition"] = block
    return policy(statement)


PUBLIC_CASES = [
    ("everyone", "Principal: * names everyone, anonymous callers included", public(), "FAIL"),
    ("aws-star", 'Principal: {"AWS": "*"} names everyone', public(principal={"AWS": "*"}), "FAIL"),
    ("org-pinned", "aws:PrincipalOrgID pins the caller to an organisation",
     public({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), "PASS"),
    ("account-pinned", "aws:PrincipalAccount is derived from the caller, a fresh account",
     public({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}), "PASS"),
    ("source-ip-pinned", "aws:SourceIp in a block pins the caller's network",
     public({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), "PASS"),
    ("source-ip-negated", "a NotIpAddress condition still lets the internet in",
     public({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), "FAIL"),
    ("named-account", "Principal naming an account is not public",
     public(principal={"AWS": "111122223333"}), "PASS"),
    ("service-only", "a service principal is not the public",
     public(principal={"Service": "cloudfront.amazonaws.com"}), "PASS"),
    ("not-principal-allow", "Allow with NotPrincipal grants everyone else",
     policy({"Effect": "Allow", "NotPrincipal": {"AWS": ALICE}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::reports/*"}), "FAIL"),
    ("deny-outside-org", "a Deny for callers outside the organisation (key absent → negated "
     "operator holds) closes an Allow to *",
     policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::reports/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}), "PASS"),
    ("secure-transport-only", "Bool aws:SecureTransport does not pin the caller",
     public({"Bool": {"aws:SecureTransport": "true"}}), "FAIL"),
]  # fmt: skip


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c[0])
def test_check_no_public_access(case: tuple[Any, ...]) -> None:
    _, doc, pol, expected = case
    result = check_no_public_access(pol, "AWS::S3::Bucket")
    assert result.result == expected, (doc, result)
    if expected == "FAIL":
        _check_witness(result, "resource", pol, None)
        assert result.witness is not None
        assert "111122223333" not in result.witness.principal


def test_public_trust_policy() -> None:
    """A role trust policy open to {"AWS": "*"} lets any account assume the role."""
    trust = policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    result = check_no_public_access(trust, "AWS::IAM::AssumeRolePolicyDocument")
    assert result.result == "FAIL"
    _check_witness(result, "resource", trust, None)
    assert result.witness is not None and result.witness.action == "sts:AssumeRole"


def test_unsupported_is_unknown_with_reason() -> None:
    """Variables are encoded only in StringEquals / StringNotEquals values."""
    new = policy(allow("s3:ListBucket", **when(StringLike={"s3:prefix": "${aws:username}/*"})))
    result = check_no_new_access(new, policy(allow("s3:GetObject")))
    assert result.result == "UNKNOWN"
    assert result.reason is not None and "StringLike" in result.reason


def test_bounded_search_is_unknown() -> None:
    """More clauses on one multivalued key than the slots searched: a PASS cannot be
    claimed, so the answer is UNKNOWN with the bound."""
    tags = {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"},
            "ForAllValues:StringLike": {"aws:TagKeys": "*"},
            "ForAnyValue:StringLike": {"aws:TagKeys": "a*"}}  # fmt: skip
    pol = policy(allow("iam:TagUser", Condition=tags))
    result = check_no_new_access(pol, pol)
    assert result.result == "UNKNOWN"
    assert result.reason is not None and "at most" in result.reason
