"""s3_bucket_policy_not_public: the meaning of "public" for a bucket policy."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_policy_not_public"
NAME = "cw-bucket"
OBJECTS = f"arn:aws:s3:::{NAME}/*"


def allow_all(condition: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Sid": "Read",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": OBJECTS,
        **fields,
    }
    if condition:
        stmt["Condition"] = condition
    return stmt


def policy(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def bucket(pol: dict[str, Any] | None, **extra: Any) -> Any:
    data = {"Name": NAME, "Policy": pol, "PublicAccessBlock": None, **extra}
    return make_resource("AWS::S3::Bucket", f"arn:aws:s3:::{NAME}", data, region="global")


def account(config: dict[str, bool] | None = None) -> Any:
    arn = f"arn:aws:s3::{ACCOUNT}:account"
    data = {"PublicAccessBlockConfiguration": config}
    return make_resource("AWS::S3::AccountPublicAccessBlock", arn, data, region="global")


ORG_FENCE = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{NAME}", OBJECTS],
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}},
}


@pytest.mark.parametrize(
    ("pol", "status"),
    [
        (None, Status.PASS),
        (policy(allow_all()), Status.FAIL),
        (policy(allow_all(Principal={"AWS": "*"})), Status.FAIL),
        (
            policy(allow_all(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]})),
            Status.FAIL,
        ),
        (policy(allow_all(Principal={"AWS": "arn:aws:iam::111122223333:root"})), Status.PASS),
        (policy(allow_all(Effect="Deny")), Status.PASS),
        (policy(allow_all({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})), Status.PASS),
        (policy(allow_all({"StringEquals": {"aws:SourceVpce": "vpce-0123abcd"}})), Status.PASS),
        (policy(allow_all({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}})), Status.PASS),
        (policy(allow_all({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), Status.FAIL),
        (policy(allow_all({"StringLike": {"aws:SourceVpce": "vpce-*"}})), Status.FAIL),
        (policy(allow_all({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}})), Status.FAIL),
        (policy(allow_all({"ForAllValues:StringEquals": {"aws:SourceVpce": ["v"]}})), Status.FAIL),
        (policy(allow_all({"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}})), Status.FAIL),
        (policy(allow_all({"Bool": {"aws:SecureTransport": "true"}})), Status.FAIL),
        (
            policy(allow_all({"StringEquals": {"aws:PrincipalAccount": "${aws:username}"}})),
            Status.FAIL,
        ),
        (policy(allow_all(), ORG_FENCE), Status.PASS),
        (policy(allow_all(), {**ORG_FENCE, "Action": "s3:PutObject"}), Status.FAIL),
        (policy(allow_all(), {**ORG_FENCE, "Resource": f"arn:aws:s3:::{NAME}"}), Status.FAIL),
    ],
    ids=[
        "no-policy",
        "principal-star",
        "aws-star",
        "aws-list-with-star",
        "named-account",
        "deny-only",
        "org-condition",
        "vpce-condition",
        "ip-range",
        "ip-any",
        "wildcard-value",
        "if-exists",
        "for-all-values",
        "negated-on-allow",
        "unrelated-condition",
        "policy-variable",
        "org-fence",
        "fence-other-action",
        "fence-bucket-only",
    ],
)
def test_policy_publicness(pol: dict[str, Any] | None, status: Status) -> None:
    [finding] = findings_for(make_snapshot([bucket(pol), account()]), CHECK)
    assert finding.status is status, finding.status_reason


def test_reason_names_the_statement() -> None:
    [finding] = findings_for(make_snapshot([bucket(policy(allow_all())), account()]), CHECK)
    assert finding.status_reason == (
        "statement 'Read' allows s3:GetObject to Principal \"*\" "
        "with no condition limiting who can use it"
    )


def test_not_principal_allow_is_public() -> None:
    stmt = allow_all(NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"})
    del stmt["Principal"]
    [finding] = findings_for(make_snapshot([bucket(policy(stmt)), account()]), CHECK)
    assert finding.status is Status.FAIL


def test_s3_own_verdict_is_honoured() -> None:
    odd = bucket(
        policy(allow_all(Principal={"AWS": "arn:aws:iam::1:root"})), PolicyStatus={"IsPublic": True}
    )
    [finding] = findings_for(make_snapshot([odd, account()]), CHECK)
    assert finding.status is Status.FAIL
    assert "IsPublic" in finding.status_reason


def test_restrict_public_buckets_neutralises_a_public_policy() -> None:
    on = {"RestrictPublicBuckets": True}
    snap = make_snapshot([bucket(policy(allow_all())), account(on)])
    [finding] = findings_for(snap, CHECK)
    assert finding.status is Status.PASS
    assert "account-level RestrictPublicBuckets" in finding.status_reason


def test_unreadable_policy_is_not_assessed() -> None:
    broken = bucket(None, _errors={"Policy": "s3:get_bucket_policy: AccessDenied: denied"})
    [finding] = findings_for(make_snapshot([broken, account()]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert "AccessDenied" in finding.status_reason
