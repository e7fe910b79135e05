"""S3 buckets keep object versions."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._s3 import BUCKET, LIST_PERMISSIONS, detail_error
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="S3 buckets have versioning enabled",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC08-BP04", "SEC07-BP04"),
    permissions=(*LIST_PERMISSIONS, "s3:GetBucketVersioning"),
    remediation=Remediation(
        text=(
            "With versioning, an overwrite or delete - by mistake, by ransomware or by a "
            "stolen key - leaves the previous version recoverable. Enable it, and add a "
            "lifecycle rule that expires old versions so storage stays bounded."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Properties > Bucket Versioning > Edit > "
            "Enable > Save changes."
        ),
        cli=(
            "aws s3api put-bucket-versioning --bucket <bucket> "
            "--versioning-configuration Status=Enabled"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
    ),
)
def s3_bucket_versioning_enabled(ctx: CheckContext) -> Results:
    """Checks that each bucket's versioning status is ``Enabled``.

    ``GetBucketVersioning`` has three answers: no ``Status`` (never enabled),
    ``Enabled``, or ``Suspended`` - once enabled, versioning can only be suspended,
    and a suspended bucket keeps old versions but creates no new ones, so new
    overwrites and deletes are unrecoverable again. Only ``Enabled`` passes. The MFA
    Delete state is reported as evidence (CIS 3.1.2 is a manual control).
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Versioning")
    if error:
        return ctx.not_assessed(bucket, f"bucket versioning unreadable: {error}")
    versioning = bucket.data.get("Versioning") or {}
    status = versioning.get("Status")
    mfa = versioning.get("MFADelete", "Disabled")
    if status == "Enabled":
        return ctx.passed(bucket, f"versioning is Enabled (MFA Delete {mfa})", mfa_delete=mfa)
    if status == "Suspended":
        return ctx.failed(bucket, "versioning is Suspended: new overwrites and deletes are final")
    return ctx.failed(bucket, "versioning has never been enabled on this bucket")
