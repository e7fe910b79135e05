from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import (
    BUCKET,
    TRAIL,
    bucket_unknown,
    owned,
    trail_bucket,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="The S3 bucket that receives CloudTrail logs keeps overwritten and deleted logs",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type=TRAIL,
    requires=(BUCKET,),
    wa=("SEC10-BP03", "SEC04-BP01"),
    permissions=(
        "cloudtrail:DescribeTrails",
        "s3:ListAllMyBuckets",
        "s3:GetBucketVersioning",
        "s3:GetBucketObjectLockConfiguration",
    ),
    remediation=Remediation(
        text=(
            "An investigation is only as good as the logs that survive the intruder. With "
            "versioning (better: Object Lock), deleting or overwriting a log file leaves the "
            "original version recoverable. Enable versioning on the trail bucket, and consider "
            "Object Lock in compliance mode for the retention period."
        ),
        console="S3 > <trail bucket> > Properties > Bucket Versioning > Edit > Enable.",
        cli=(
            "aws s3api put-bucket-versioning --bucket <trail-bucket> "
            "--versioning-configuration Status=Enabled"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    ),
)
def cloudtrail_bucket_versioning_enabled(ctx: CheckContext) -> Results:
    """The trail's bucket has versioning ``Enabled`` or Object Lock enabled.

    Forensic readiness (SEC10-BP03) needs log evidence that cannot silently vanish:
    with versioning a DELETE only adds a delete marker and an overwrite keeps the
    previous version; Object Lock additionally forbids removing versions. A
    ``Suspended`` status does not count: new writes are no longer versioned. A
    bucket outside the snapshot, or whose settings could not be read, is NOT_ASSESSED.
    """
    for trail in ctx.resources():
        if owned(trail):
            yield _assess(trail, trail_bucket(ctx, trail), ctx)


def _assess(trail: Resource, bucket: Resource | None, ctx: CheckContext) -> CheckResult:
    if bucket is None:
        return ctx.not_assessed(trail, bucket_unknown(trail, bucket, ()) or "no bucket")
    status = (bucket.data.get("Versioning") or {}).get("Status")
    locked = (bucket.data.get("ObjectLock") or {}).get("ObjectLockEnabled") == "Enabled"
    if locked or status == "Enabled":
        kept = "Object Lock" if locked else "versioning"
        return ctx.passed(trail, f"bucket {bucket.name} of trail {trail.name} has {kept} on")
    unknown = bucket_unknown(trail, bucket, ("Versioning", "ObjectLock"))
    if unknown:
        return ctx.not_assessed(trail, unknown)
    return ctx.failed(
        trail,
        f"bucket {bucket.name} of trail {trail.name} has versioning "
        f"{status or 'never enabled'} and no Object Lock",
    )
