"""s3_bucket_tls_required: a Deny of s3:* on aws:SecureTransport=false, bucket and objects."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_tls_required"
BUCKET_ARN = "arn:aws:s3:::cw-bucket"
BOTH = [BUCKET_ARN, f"{BUCKET_ARN}/*"]


def deny_http(**fields: Any) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": BOTH,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        **fields,
    }


def bucket(*stmts: dict[str, Any], **extra: Any) -> Any:
    pol = {"Version": "2012-10-17", "Statement": list(stmts)} if stmts else None
    data = {"Name": "cw-bucket", "Policy": pol, **extra}
    return make_resource("AWS::S3::Bucket", BUCKET_ARN, data, region="global")


@pytest.mark.parametrize(
    ("stmts", "status", "reason_part"),
    [
        (
            [deny_http()],
            Status.PASS,
            "DenyInsecureTransport denies all S3 access when aws:SecureTransport is false",
        ),
        ([deny_http(Action="*", Principal={"AWS": "*"})], Status.PASS, "bucket and objects"),
        ([deny_http(Resource="*")], Status.PASS, "bucket and objects"),
        ([deny_http(Resource="arn:aws:s3:::cw-*")], Status.PASS, "bucket and objects"),
        (
            [deny_http(Condition={"BoolIfExists": {"aws:SecureTransport": False}})],
            Status.PASS,
            "bucket and objects",
        ),
        ([deny_http(Resource=f"{BUCKET_ARN}/*")], Status.FAIL, f"does not cover {BUCKET_ARN}"),
        ([deny_http(Resource=f"{BUCKET_ARN}/private/*")], Status.FAIL, "does not cover"),
        ([deny_http(Action="s3:GetObject")], Status.FAIL, "no Deny"),
        ([deny_http(Effect="Allow")], Status.FAIL, "no Deny"),
        ([deny_http(Condition={"Bool": {"aws:SecureTransport": "true"}})], Status.FAIL, "no Deny"),
        (
            [
                deny_http(
                    Condition={
                        "Bool": {"aws:SecureTransport": "false"},
                        "StringEquals": {"aws:PrincipalAccount": "111122223333"},
                    }
                )
            ],
            Status.FAIL,
            "no Deny",
        ),
        ([], Status.FAIL, "no policy"),
    ],
    ids=[
        "canonical",
        "star-action",
        "star-resource",
        "wildcard-resource",
        "bool-if-exists",
        "objects-only",
        "prefix-only",
        "one-action",
        "allow-not-deny",
        "wrong-value",
        "narrowed-by-extra-condition",
        "no-policy",
    ],
)
def test_tls_enforcement(stmts: list[dict[str, Any]], status: Status, reason_part: str) -> None:
    [finding] = findings_for(make_snapshot([bucket(*stmts)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_policy_is_not_assessed() -> None:
    broken = bucket(_errors={"Policy": "AccessDenied: denied"})
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
