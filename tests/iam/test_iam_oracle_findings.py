"""What the differential run against ``@cloud-copilot/iam-simulate`` decided, as table cases.

The first table holds the engine bugs the oracle revealed, fixed to follow the AWS
documentation each case cites. The second pins the documented behaviour in the classes
of disagreement that were kept (the oracle deviates there; ``docs/iam-semantics.md``
lists them with their counts), so a later change cannot drift towards the oracle.
"""

from __future__ import annotations

from typing import Any

import pytest
from iam_helpers import ACCT, ROOT, SESSION, USER, allow, decide, deny, doc, policy, request

from cloudwarden.iam import parse_policy

EVAL = "Policy evaluation logic"
KMS = "AWS KMS Developer Guide: Key policies in AWS KMS"
STS = "AWS STS API Reference: AssumeRole"
VARS = "IAM policy elements: Variables and tags (Resource element)"
KEYS = "AWS global condition context keys"
OPS = "IAM JSON policy elements: Condition operators"
NOTP = "AWS JSON policy elements: NotPrincipal"
VERSION = "IAM JSON policy elements: Version"

KEY_ARN = f"arn:aws:kms:us-east-1:{ACCT}:key/k-1"
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/target"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCT}:jobs"
IAM_ON = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "*"}
NAMES_USER = {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "*"}
KMS_ALL = policy(allow("kms:*"))
ASSUME = policy(allow("sts:AssumeRole"))


def _key(*statements: dict[str, Any]) -> Any:
    return policy(*statements)


FIXED = [
    ("kms-key-policy-must-enable-iam", USER, "kms:Decrypt", KEY_ARN,
     {"identity_policies": [KMS_ALL], "resource_policy": _key(NAMES_USER | {"Principal": {"AWS": "arn:aws:iam::444455556666:root"}})},
     "implicit_deny", f"{EVAL}; {KMS} — IAM policies alone do not open a key"),
    ("kms-key-policy-delegates-to-account", USER, "kms:Decrypt", KEY_ARN,
     {"identity_policies": [KMS_ALL], "resource_policy": _key(IAM_ON)}, "allowed",
     f"{KMS} — the default statement enables IAM policies"),
    ("kms-key-policy-names-user", USER, "kms:Decrypt", KEY_ARN,
     {"resource_policy": _key(NAMES_USER)}, "allowed", f"{KMS} — the key policy alone grants"),
    ("kms-without-key-policy", USER, "kms:Decrypt", KEY_ARN,
     {"identity_policies": [KMS_ALL]}, "implicit_deny", f"{KMS} — every key has a key policy"),
    ("kms-root-needs-key-policy", ROOT, "kms:Decrypt", KEY_ARN,
     {"resource_policy": _key(NAMES_USER)}, "implicit_deny",
     f"{KMS} — no principal, including the root user, without the key policy"),
    ("trust-policy-must-allow", USER, "sts:AssumeRole", ROLE_ARN,
     {"identity_policies": [ASSUME], "resource_policy": policy(NAMES_USER | {"Principal": {"Service": "ec2.amazonaws.com"}})},
     "implicit_deny", f"{EVAL} — role trust policies must explicitly allow"),
    ("trust-policy-delegates-to-account", USER, "sts:AssumeRole", ROLE_ARN,
     {"identity_policies": [ASSUME], "resource_policy": policy(IAM_ON)}, "allowed",
     f"{EVAL} — a trust policy naming the account delegates to IAM policies"),
    ("trust-policy-absent", USER, "sts:AssumeRole", ROLE_ARN, {"identity_policies": [ASSUME]},
     "implicit_deny", f"{EVAL} — a role without a trust policy admits no one"),
    ("root-cannot-assume-role", ROOT, "sts:AssumeRole", ROLE_ARN,
     {"resource_policy": policy(IAM_ON)}, "implicit_deny", f"{STS} — not with root credentials"),
    ("other-iam-action-on-role", USER, "iam:GetRole", ROLE_ARN,
     {"identity_policies": [policy(allow("iam:GetRole"))]}, "allowed",
     f"{EVAL} — the trust policy rule is about assuming the role only"),
    ("variable-in-account-part-is-literal", USER, "sqs:SendMessage", QUEUE,
     {"identity_policies": [policy(allow("sqs:*", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:jobs"))]},
     "implicit_deny", f"{VARS} — a variable can appear as the last part of the ARN"),
    ("variable-in-last-part", USER, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:alice",
     {"identity_policies": [policy(allow("sqs:*", "arn:aws:sqs:us-east-1:*:${aws:username}"))]},
     "allowed", VARS),
    ("anonymous-has-no-principalisawsservice", "anonymous", "s3:GetObject", "arn:aws:s3:::b/k",
     {"resource_policy": policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                 "Condition": {"Null": {"aws:PrincipalIsAWSService": "false"}}})},
     "implicit_deny", f"{KEYS} — aws:PrincipalIsAWSService is in signed requests only"),
]  # fmt: skip

KEPT = [
    ("zero-cidr-holds-every-ipv4", USER, {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
     {"aws:SourceIp": "10.1.2.3"}, "allowed", f"{OPS} — CIDR notation (RFC 4632)"),
    ("bare-ip-is-host-block", USER, {"NotIpAddress": {"aws:SourceIp": "203.0.113.5"}},
     {"aws:SourceIp": "2001:db8::1"}, "allowed", f"{OPS} — an IPv6 caller is outside an IPv4 host"),
    ("epoch-equals-iso", USER, {"DateEquals": {"aws:CurrentTime": "1749988800"}},
     {"aws:CurrentTime": "2025-06-15T12:00:00Z"}, "allowed", f"{OPS} — ISO 8601 or epoch time"),
    ("for-any-if-exists-absent", USER, {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "x"}},
     {}, "allowed", f"{OPS} (…IfExists) — an absent key makes the condition true"),
    ("unresolved-variable-voids", USER,
     {"StringEquals": {"aws:PrincipalTag/team": ["${aws:PrincipalTag/none}", "blue"]}},
     {"aws:PrincipalTag/team": "blue"}, "implicit_deny",
     "IAM policy elements: Variables and tags — an unresolved variable invalidates the statement"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "principal", "action", "resource", "policies", "expected", "source"),
    FIXED,
    ids=[c[0] for c in FIXED],
)
def test_fixed_after_the_differential_run(
    case: str, principal: str, action: str, resource: str, policies: dict[str, Any],
    expected: str, source: str,
) -> None:  # fmt: skip
    assert decide(request(principal, action, resource), **policies) == expected, source


@pytest.mark.parametrize(
    ("case", "principal", "condition", "context", "expected", "source"),
    KEPT,
    ids=[c[0] for c in KEPT],
)
def test_documented_behaviour_kept(
    case: str, principal: str, condition: dict[str, Any], context: dict[str, Any],
    expected: str, source: str,
) -> None:  # fmt: skip
    identity = policy(allow("sqs:*", Condition=condition))
    req = request(principal, "sqs:SendMessage", QUEUE, context)
    assert decide(req, identity_policies=[identity]) == expected, source


def test_old_version_keeps_variables_literal() -> None:
    literal = parse_policy(doc(allow("sqs:*", f"arn:aws:sqs:us-east-1:{ACCT}:${{aws:username}}"),
                               version="2008-10-17"))  # fmt: skip
    req = request(USER, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:alice")
    assert decide(req, identity_policies=[literal]) == "implicit_deny", VERSION


def test_deny_with_not_principal_needs_the_whole_chain() -> None:
    bucket = policy(allow("s3:*", Principal="*"),
                    deny("s3:*", NotPrincipal={"AWS": [SESSION]}))  # fmt: skip
    assert decide(request(SESSION), resource_policy=bucket) == "explicit_deny", NOTP
    spared = policy(allow("s3:*", Principal="*"),
                    deny("s3:*", NotPrincipal={"AWS": [SESSION, f"arn:aws:iam::{ACCT}:role/app",
                                                       f"arn:aws:iam::{ACCT}:root"]}))  # fmt: skip
    assert decide(request(SESSION), resource_policy=spared) == "allowed", NOTP
