"""Action, Resource and Principal matching, one row per documented rule."""

from __future__ import annotations

import pytest

from cloudwarden.iam import action_matches, principal_info, resource_matches
from cloudwarden.iam.matching import GrantKind, PrincipalMatcher, split_arn

ACTION_DOC = "IAM JSON policy elements: Action"
ARN_DOC = "IAM identifiers: ARNs / IAM JSON policy elements: Resource"
PRINCIPAL_DOC = "AWS JSON policy elements: Principal"
NOTPRINCIPAL_DOC = "AWS JSON policy elements: NotPrincipal"

ACTION_CASES = [
    ("s3:GetObject", "s3:GetObject", True, f"{ACTION_DOC} — exact name matches"),
    ("s3:getobject", "s3:GetObject", True, f"{ACTION_DOC} — action names are case-insensitive"),
    (
        "S3:GETOBJECT",
        "s3:getObject",
        True,
        f"{ACTION_DOC} — service prefix is case-insensitive too",
    ),
    ("s3:Get*", "s3:GetObject", True, f"{ACTION_DOC} — * matches any run of characters"),
    ("s3:Get*", "s3:GetBucketPolicy", True, f"{ACTION_DOC} — prefix wildcard covers the family"),
    ("s3:Get*", "s3:PutObject", False, f"{ACTION_DOC} — wildcard does not match other prefixes"),
    ("s3:*", "s3:PutObject", True, f"{ACTION_DOC} — service:* is every action of the service"),
    ("s3:*", "ec2:RunInstances", False, f"{ACTION_DOC} — service:* stays in its service"),
    ("*", "ec2:RunInstances", True, f"{ACTION_DOC} — * alone is every action"),
    (
        "iam:*AccessKey*",
        "iam:CreateAccessKey",
        True,
        f"{ACTION_DOC} — wildcards anywhere in the name",
    ),
    ("iam:*AccessKey*", "iam:ListAccessKeys", True, f"{ACTION_DOC} — infix wildcard"),
    ("iam:*Report", "iam:GenerateCredentialReport", True, f"{ACTION_DOC} — suffix wildcard"),
    ("iam:*Report", "iam:GetCredentialReports", False, f"{ACTION_DOC} — suffix must end the name"),
    ("s3:?etObject", "s3:GetObject", True, f"{ACTION_DOC} — ? matches exactly one character"),
    ("s3:?etObject", "s3:ObjectGet", False, f"{ACTION_DOC} — ? is one character, not zero"),
    ("s3:GetObjec?", "s3:GetObject", True, f"{ACTION_DOC} — trailing ?"),
    ("s3:GetObject?", "s3:GetObject", False, f"{ACTION_DOC} — ? needs a character"),
    (
        "ec2:Describe*",
        "ec2:describeinstances",
        True,
        f"{ACTION_DOC} — wildcard is case-insensitive",
    ),
    ("s3:GetObject", "s3:GetObjectAcl", False, f"{ACTION_DOC} — no implicit prefix match"),
    ("s3:GetObjectAcl", "s3:GetObject", False, f"{ACTION_DOC} — no implicit truncation"),
    ("sqs:Send*", "sns:SendMessage", False, f"{ACTION_DOC} — service prefix must match"),
    ("*:Get*", "dynamodb:GetItem", True, f"{ACTION_DOC} — wildcard service prefix"),
    ("dynamodb:*Item", "dynamodb:BatchGetItem", True, f"{ACTION_DOC} — leading wildcard in name"),
    ("kms:Re*", "kms:ReEncryptFrom", True, f"{ACTION_DOC} — kms:ReEncrypt* family"),
    ("s3:Get.*", "s3:GetObject", False, f"{ACTION_DOC} — regex metacharacters are literal"),
]


@pytest.mark.parametrize(("pattern", "action", "expected", "doc"), ACTION_CASES)
def test_action_matching(pattern: str, action: str, expected: bool, doc: str) -> None:
    assert action_matches(pattern, action) is expected, doc


B = "arn:aws:s3:::bucket"
ACCT_ARN = "arn:aws:iam::111122223333"
RESOURCE_CASES = [
    ("*", B, True, f"{ARN_DOC} — * alone matches every resource"),
    ("*", "*", True, f"{ARN_DOC} — * matches the '*' resource of list actions"),
    (B, B, True, f"{ARN_DOC} — exact ARN"),
    (B, B + "2", False, f"{ARN_DOC} — exact ARN, no prefix match"),
    ("arn:aws:s3:::Bucket", B, False, f"{ARN_DOC} — ARN matching is case-sensitive"),
    (B + "/*", B + "/a/b/c.txt", True, f"{ARN_DOC} — * in the resource part spans slashes"),
    (B + "/*", B, False, f"{ARN_DOC} — bucket/* does not cover the bucket itself"),
    ("arn:aws:s3:::*", B, True, f"{ARN_DOC} — wildcard resource part"),
    ("arn:aws:s3:::*log*", "arn:aws:s3:::app-logs", True, f"{ARN_DOC} — infix wildcard"),
    ("arn:aws:s3:::*log*", "arn:aws:s3:::app-data", False, f"{ARN_DOC} — infix must be present"),
    ("arn:aws:ec2:*:111122223333:instance/*", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
     True, f"{ARN_DOC} — * in the region part"),
    ("arn:aws:ec2:*:111122223333:instance/*", "arn:aws:ec2:eu-west-1:444455556666:instance/i-1",
     False, f"{ARN_DOC} — account part still compared"),
    ("arn:aws:ec2:us-*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
     True, f"{ARN_DOC} — partial wildcard within one part"),
    ("arn:aws:ec2:us-*:*:instance/*", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
     False, f"{ARN_DOC} — partial wildcard must fit the part"),
    ("arn:aws:*:*:*:*", "arn:aws:sqs:eu-west-1:111122223333:q", True,
     f"{ARN_DOC} — every part wildcarded"),
    ("arn:aws:s*:::b", "arn:aws:sqs:::b", True, f"{ARN_DOC} — wildcard in the service part"),
    ("arn:aws:s3*:b", "arn:aws:s3:::b", False,
     f"{ARN_DOC} — a wildcard in the first five parts does not cross ':'"),
    ("arn:aws:iam::111122223333:u*", f"{ACCT_ARN}:user/alice", True,
     f"{ARN_DOC} — resource part u* covers user/…"),
    ("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", True,
     f"{ARN_DOC} — the resource part may contain colons"),
    ("arn:aws:logs:*:*:log-group:g", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", False,
     f"{ARN_DOC} — exact resource part with colons"),
    ("arn:aws:sqs:?s-east-1:*:q", "arn:aws:sqs:us-east-1:1:q", True, f"{ARN_DOC} — ? in region"),
    ("arn:aws:sqs:??-east-1:*:q", "arn:aws:sqs:u-east-1:1:q", False, f"{ARN_DOC} — ? counts one"),
    ("arn:aws:sqs:*:*:q?", "arn:aws:sqs:us-east-1:1:q1", True, f"{ARN_DOC} — ? in resource part"),
    ("arn:aws:sqs:*:*:q", "arn:aws:sqs:us-east-1:1:q", True, f"{ARN_DOC} — empty-matching *"),
    ("arn:aws:s3:::b", "arn:aws-cn:s3:::b", False, f"{ARN_DOC} — partition is compared"),
    ("arn:*:s3:::b", "arn:aws-us-gov:s3:::b", True, f"{ARN_DOC} — wildcard partition"),
    ("arn:aws:s3:::a+b", "arn:aws:s3:::a+b", True, f"{ARN_DOC} — regex metacharacters are literal"),
    ("arn:aws:s3:::a.b", "arn:aws:s3:::axb", False, f"{ARN_DOC} — '.' is literal"),
    ("arn:aws:dynamodb:*:*:table/T", "arn:aws:dynamodb:us-east-1:1:table/T/index/I", False,
     f"{ARN_DOC} — table ARN does not cover its indexes"),
    ("arn:aws:dynamodb:*:*:table/T*", "arn:aws:dynamodb:us-east-1:1:table/T/index/I", True,
     f"{ARN_DOC} — table/T* covers the indexes"),
    ("arn:aws:s3:::b/*", "*", False, f"{ARN_DOC} — a specific pattern does not match '*'"),
    ("arn:aws:iam::*:role/*", f"{ACCT_ARN}:role/a/b", True, f"{ARN_DOC} — role paths"),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "resource", "expected", "doc"), RESOURCE_CASES)
def test_resource_matching(pattern: str, resource: str, expected: bool, doc: str) -> None:
    assert resource_matches(pattern, resource) is expected, doc


def test_split_arn_keeps_colons_of_the_resource_part() -> None:
    assert split_arn("arn:aws:logs:r:1:log-group:g:x") == (
        "arn",
        "aws",
        "logs",
        "r",
        "1",
        "log-group:g:x",
    )
    assert split_arn("not-an-arn") is None


ACCOUNT_ROOT = "arn:aws:iam::111122223333:root"
U = "arn:aws:iam::111122223333:user/alice"
R = "arn:aws:iam::111122223333:role/app"
S = "arn:aws:sts::111122223333:assumed-role/app/s1"
F = "arn:aws:sts::111122223333:federated-user/bob"
PRINCIPAL_CASES = [
    ({"AWS": ["111122223333"]}, U, GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — account id names every principal of the account"),
    ({"AWS": [ACCOUNT_ROOT]}, U, GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — :root ARN behaves like the account id"),
    ({"AWS": [ACCOUNT_ROOT]}, S, GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — the account covers role sessions"),
    ({"AWS": ["444455556666"]}, U, None, f"{PRINCIPAL_DOC} — another account does not match"),
    ({"AWS": [U]}, U, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — IAM user ARN"),
    ({"AWS": ["arn:aws:iam::111122223333:user/Alice"]}, U, None, f"{PRINCIPAL_DOC} — user name part is case-sensitive"),
    ({"AWS": [R]}, S, GrantKind.ROLE, f"{PRINCIPAL_DOC} — role ARN names the sessions of the role"),
    ({"AWS": ["arn:aws:iam::111122223333:role/team/app"]}, S, GrantKind.ROLE, f"{PRINCIPAL_DOC} — role ARN with a path (matched by role name)"),
    ({"AWS": ["arn:aws:iam::111122223333:role/other"]}, S, None, f"{PRINCIPAL_DOC} — another role does not match"),
    ({"AWS": [S]}, S, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — assumed-role session ARN names that session"),
    ({"AWS": ["arn:aws:sts::111122223333:assumed-role/app/s2"]}, S, None, f"{PRINCIPAL_DOC} — another session does not match"),
    ({"AWS": ["arn:aws:sts::111122223333:assumed-role/app/*"]}, S, None, f"{PRINCIPAL_DOC} — no wildcard for all sessions"),
    ({"AWS": ["arn:aws:iam::111122223333:user/*"]}, U, None, f"{PRINCIPAL_DOC} — no partial wildcards in principals"),
    ({"AWS": [F]}, F, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — federated user session ARN"),
    ({"AWS": [ACCOUNT_ROOT]}, F, GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — the account covers federated users"),
    ({"AWS": ["*"]}, U, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — {{\"AWS\": \"*\"}} is everyone"),
    ("*", S, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — \"*\" is everyone"),
    ("*", "anonymous", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — \"*\" includes anonymous callers"),
    ({"AWS": ["*"]}, "anonymous", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — AWS * equals * for anonymous users"),
    ({"AWS": [ACCOUNT_ROOT]}, "anonymous", None, f"{PRINCIPAL_DOC} — an account does not cover anonymous callers"),
    ({"Service": ["cloudtrail.amazonaws.com"]}, "cloudtrail.amazonaws.com", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — service principal"),
    ({"Service": ["cloudtrail.amazonaws.com"]}, "config.amazonaws.com", None, f"{PRINCIPAL_DOC} — other service"),
    ({"AWS": [ACCOUNT_ROOT]}, "cloudtrail.amazonaws.com", None, f"{PRINCIPAL_DOC} — an account does not cover service principals"),
    ({"Federated": ["accounts.google.com"]}, "accounts.google.com", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — web identity provider"),
    ({"Federated": ["arn:aws:iam::111122223333:saml-provider/idp"]}, "arn:aws:iam::111122223333:saml-provider/idp", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — SAML provider"),
    ({"CanonicalUser": ["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"]}, "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", GrantKind.DIRECT, f"{PRINCIPAL_DOC} — S3 canonical user"),
    ({"AWS": [ACCOUNT_ROOT]}, ACCOUNT_ROOT, GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — the root user is the account"),
    ({"AWS": [U, "444455556666"]}, "arn:aws:iam::444455556666:user/x", GrantKind.ACCOUNT, f"{PRINCIPAL_DOC} — several principals are OR-ed"),
    ({"AWS": [R, S]}, S, GrantKind.DIRECT, f"{PRINCIPAL_DOC} — strongest naming wins (session beats role)"),
]  # fmt: skip


def _matcher(element: object) -> PrincipalMatcher:
    if element == "*":
        return PrincipalMatcher.build(wildcard=True)
    assert isinstance(element, dict)
    return PrincipalMatcher.build(
        wildcard=False,
        aws=element.get("AWS", ()),
        service=element.get("Service", ()),
        federated=element.get("Federated", ()),
        canonical_user=element.get("CanonicalUser", ()),
    )


@pytest.mark.parametrize(("element", "principal", "expected", "doc"), PRINCIPAL_CASES)
def test_principal_matching(
    element: object, principal: str, expected: GrantKind | None, doc: str
) -> None:
    assert _matcher(element).grant(principal_info(principal)) == expected, doc


NOT_PRINCIPAL_CASES = [
    ({"AWS": [U, ACCOUNT_ROOT]}, U, True, f"{NOTPRINCIPAL_DOC} — user and its account listed: spared from Deny"),
    ({"AWS": [U]}, U, False, f"{NOTPRINCIPAL_DOC} — without the account ARN the account (and so the user) may be denied"),
    ({"AWS": [S, R, ACCOUNT_ROOT]}, S, True, f"{NOTPRINCIPAL_DOC} — session, role and account listed: spared"),
    ({"AWS": [S, ACCOUNT_ROOT]}, S, False, f"{NOTPRINCIPAL_DOC} — role missing: the role may be denied"),
    ({"AWS": [R, ACCOUNT_ROOT]}, S, False, f"{NOTPRINCIPAL_DOC} — session missing: that session is denied"),
    ({"AWS": [ACCOUNT_ROOT]}, ACCOUNT_ROOT, True, f"{NOTPRINCIPAL_DOC} — the root user is spared by its account"),
    ({"Service": ["s3.amazonaws.com"]}, "s3.amazonaws.com", True, f"{NOTPRINCIPAL_DOC} — service principal spared"),
    ({"AWS": [U, ACCOUNT_ROOT]}, "anonymous", False, f"{NOTPRINCIPAL_DOC} — anonymous callers are never spared"),
]  # fmt: skip


@pytest.mark.parametrize(("element", "principal", "spared", "doc"), NOT_PRINCIPAL_CASES)
def test_not_principal_with_deny(element: object, principal: str, spared: bool, doc: str) -> None:
    assert _matcher(element).names_whole_chain(principal_info(principal)) is spared, doc
