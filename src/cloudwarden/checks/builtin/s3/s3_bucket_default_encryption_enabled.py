"""S3 buckets encrypt new objects by default."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._s3 import BUCKET, LIST_PERMISSIONS, detail_error
from cloudwarden.model import Area, Remediation, Resource, Severity

ALGORITHMS = {
    "AES256": "SSE-S3",
    "aws:kms": "SSE-KMS",
    "aws:kms:dsse": "DSSE-KMS",
}


@check(
    title="S3 buckets have default encryption configured",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC08-BP02",),
    permissions=(*LIST_PERMISSIONS, "s3:GetEncryptionConfiguration"),
    remediation=Remediation(
        text=(
            "Default encryption makes S3 encrypt every new object at rest even when the "
            "writer does not ask for it. Configure it, preferably with a customer managed "
            "KMS key (SSE-KMS) so access to the data also needs kms:Decrypt."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Properties > Default encryption > Edit > "
            "choose SSE-KMS (or SSE-S3) > Save changes."
        ),
        cli=(
            "aws s3api put-bucket-encryption --bucket <bucket> "
            "--server-side-encryption-configuration "
            '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms",'
            '"KMSMasterKeyID":"<kms-key-arn>"},"BucketKeyEnabled":true}]}\''
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
    ),
)
def s3_bucket_default_encryption_enabled(ctx: CheckContext) -> Results:
    """Checks that each bucket has a default server-side encryption rule.

    Since January 2023 S3 applies SSE-S3 to every new object and reports it through
    ``GetBucketEncryption``, so on AWS a bucket without a rule is rare - but older
    API paths, restored configurations and S3-compatible endpoints can still lack
    one, and ``ServerSideEncryptionConfigurationNotFoundError`` then means objects
    may be stored unencrypted. The reason names the algorithm (SSE-S3, SSE-KMS,
    DSSE-KMS) and the KMS key, so SSE-S3-only buckets can be reviewed against a
    policy that asks for customer managed keys.
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _default_rule(encryption: dict[str, Any] | None) -> dict[str, Any] | None:
    for rule in (encryption or {}).get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm"):
            return dict(default)
    return None


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Encryption")
    if error:
        return ctx.not_assessed(bucket, f"bucket encryption unreadable: {error}")
    rule = _default_rule(bucket.data.get("Encryption"))
    if rule is None:
        return ctx.failed(bucket, "bucket has no default server-side encryption rule")
    algorithm = str(rule["SSEAlgorithm"])
    name = ALGORITHMS.get(algorithm, algorithm)
    key = rule.get("KMSMasterKeyID")
    detail = f" with key {key}" if key else ""
    return ctx.passed(bucket, f"default encryption is {name} ({algorithm}){detail}", rule=rule)
