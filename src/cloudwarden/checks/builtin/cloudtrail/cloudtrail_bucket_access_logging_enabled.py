from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import (
    BUCKET,
    TRAIL,
    bucket_unknown,
    owned,
    trail_bucket,
)
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="The S3 bucket that receives CloudTrail logs has server access logging enabled",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=TRAIL,
    requires=(BUCKET,),
    wa=("SEC04-BP01",),
    cis=("4.4",),
    permissions=("cloudtrail:DescribeTrails", "s3:ListAllMyBuckets", "s3:GetBucketLogging"),
    remediation=Remediation(
        text=(
            "CloudTrail data events are rarely on for the trail bucket itself, so server access "
            "logs are the record of who read, copied or deleted the audit logs. Send the trail "
            "bucket's access logs to a separate bucket."
        ),
        console="S3 > <trail bucket> > Properties > Server access logging > Edit > Enable, choose a target bucket.",
        cli=(
            "aws s3api put-bucket-logging --bucket <trail-bucket> --bucket-logging-status "
            '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<trail-bucket>/"}}\''
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
)
def cloudtrail_bucket_access_logging_enabled(ctx: CheckContext) -> Results:
    """The trail's destination bucket has S3 server access logging (``LoggingEnabled``) on.

    Access to the audit logs should itself leave a trace; server access logging
    records every request against the bucket to a target bucket. The bucket is looked
    up across the snapshot; one outside it, or whose logging setting could not be
    read, is NOT_ASSESSED.
    """
    for trail in ctx.resources():
        if not owned(trail):
            continue
        bucket = trail_bucket(ctx, trail)
        unknown = bucket_unknown(trail, bucket, ("Logging",))
        if bucket is None or unknown:
            yield ctx.not_assessed(trail, unknown or "trail bucket unknown")
            continue
        target = (bucket.data.get("Logging") or {}).get("TargetBucket")
        if target:
            yield ctx.passed(
                trail, f"bucket {bucket.name} of trail {trail.name} logs access to {target}"
            )
        else:
            yield ctx.failed(
                trail, f"bucket {bucket.name} of trail {trail.name} has server access logging off"
            )
