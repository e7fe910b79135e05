"""S3 bucket policies refuse requests that do not use TLS."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._public_policy import as_list, everyone, glob_match, statements
from cloudwarden.checks.builtin.s3._s3 import BUCKET, LIST_PERMISSIONS, detail_error
from cloudwarden.model import Area, Remediation, Resource, Severity

_ALL_S3 = ("*", "s3:*")


@check(
    title="S3 bucket policies deny requests made without TLS",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC09-BP02",),
    cis=("3.1.1",),
    permissions=(*LIST_PERMISSIONS, "s3:GetBucketPolicy"),
    remediation=Remediation(
        text=(
            "S3 accepts plain HTTP unless the bucket policy refuses it. Add a statement that "
            "denies s3:* to everyone on the bucket and its objects when aws:SecureTransport "
            "is false, so data never crosses the network unencrypted."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Permissions > Bucket policy > Edit > add the "
            "Deny statement with condition Bool aws:SecureTransport = false > Save changes."
        ),
        cli=(
            "aws s3api put-bucket-policy --bucket <bucket> --policy "
            '\'{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport",'
            '"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":'
            '["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":'
            '{"Bool":{"aws:SecureTransport":"false"}}}]}\' '
            "(merge with any existing statements first)"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
    ),
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport",
    ),
)
def s3_bucket_tls_required(ctx: CheckContext) -> Results:
    """Checks that the bucket policy denies every S3 action sent over plain HTTP.

    S3 serves both HTTP and HTTPS endpoints; only a bucket policy can refuse the
    former. The request context key ``aws:SecureTransport`` is ``false`` for a
    plain-HTTP request, so the accepted pattern (CIS 3.1.1) is a ``Deny`` to
    ``Principal "*"`` of ``s3:*`` (or ``*``) with ``Bool``/``BoolIfExists``
    ``aws:SecureTransport = false`` and no other condition (extra conditions are
    ANDed and would narrow the deny). Its ``Resource`` must cover both the bucket ARN
    (bucket-level calls such as ListBucket) and ``<bucket-arn>/*`` (every object);
    a deny limited to a prefix or to the bucket alone leaves the rest reachable.
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _denies_insecure_transport(stmt: dict[str, Any]) -> bool:
    if stmt.get("Effect") != "Deny" or not everyone(stmt) or "NotAction" in stmt:
        return False
    if not any(a.lower() in _ALL_S3 for a in as_list(stmt.get("Action"))):
        return False
    condition = stmt.get("Condition") or {}
    if len(condition) != 1:
        return False
    operator, entries = next(iter(condition.items()))
    if str(operator).lower() not in ("bool", "boolifexists") or not isinstance(entries, dict):
        return False
    values = {k.lower(): [v.lower() for v in as_list(x)] for k, x in entries.items()}
    return values == {"aws:securetransport": ["false"]}


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Policy")
    if error:
        return ctx.not_assessed(bucket, f"bucket policy unreadable: {error}")
    targets = {bucket.arn: False, f"{bucket.arn}/*": False}
    denies = [
        s
        for s in statements(bucket.data.get("Policy"))
        if _denies_insecure_transport(s) and "NotResource" not in s
    ]
    for stmt in denies:
        patterns = as_list(stmt.get("Resource", "*"))
        for target in targets:
            targets[target] |= any(glob_match(p, target) for p in patterns)
    missing = [t for t, covered in targets.items() if not covered]
    if denies and not missing:
        sid = denies[0].get("Sid") or "a Deny statement"
        return ctx.passed(
            bucket,
            f"{sid} denies all S3 access when aws:SecureTransport is false, bucket and objects",
        )
    if denies:
        return ctx.failed(
            bucket, f"the aws:SecureTransport deny does not cover {' or '.join(missing)}"
        )
    if not bucket.data.get("Policy"):
        return ctx.failed(bucket, "bucket has no policy, so S3 accepts plain-HTTP requests")
    return ctx.failed(
        bucket,
        "bucket policy has no Deny of s3:* for aws:SecureTransport=false, so HTTP is accepted",
    )
