"""S3 buckets record server access logs."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._s3 import BUCKET, LIST_PERMISSIONS, detail_error
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="S3 buckets have server access logging enabled",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=BUCKET,
    wa=("SEC04-BP01",),
    permissions=(*LIST_PERMISSIONS, "s3:GetBucketLogging"),
    remediation=Remediation(
        text=(
            "Server access logs record every request to the bucket - who, from where, "
            "which object, with what result - which investigations need and CloudTrail "
            "data events only give at extra cost. Send them to a dedicated log bucket "
            "in the same region."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Properties > Server access logging > Edit > "
            "Enable > choose the destination bucket and prefix > Save changes."
        ),
        cli=(
            "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status "
            '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>",'
            '"TargetPrefix":"<bucket>/"}}\''
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
)
def s3_bucket_access_logging_enabled(ctx: CheckContext) -> Results:
    """Checks that each bucket delivers server access logs somewhere.

    ``GetBucketLogging`` returns a ``LoggingEnabled`` element naming the target
    bucket and prefix when logging is on, and nothing when it is off. Delivery is
    best effort and needs the target bucket to let the S3 logging service write;
    this check confirms the configuration, not that logs arrive. A bucket that logs
    to itself passes here but is a poor design (each log write is itself logged).
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Logging")
    if error:
        return ctx.not_assessed(bucket, f"bucket logging unreadable: {error}")
    logging = bucket.data.get("Logging") or {}
    target = logging.get("TargetBucket")
    if not target:
        return ctx.failed(bucket, "server access logging is off for this bucket")
    prefix = logging.get("TargetPrefix", "")
    return ctx.passed(bucket, f"server access logs go to s3://{target}/{prefix}", target=target)
