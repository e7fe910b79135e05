from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import TRAIL, owned
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="CloudTrail trails encrypt their logs with a KMS key",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=TRAIL,
    wa=("SEC04-BP01", "SEC08-BP02"),
    cis=("4.5",),
    permissions=("cloudtrail:DescribeTrails",),
    remediation=Remediation(
        text=(
            "By default trail logs are encrypted with S3-managed keys, so anyone who can read "
            "the bucket can read the account's activity. With SSE-KMS, reading also needs "
            "kms:Decrypt on a key whose policy you control and whose use is itself logged."
        ),
        console="CloudTrail > Trails > <trail> > General details > Edit > Log file SSE-KMS encryption: Enabled.",
        cli="aws cloudtrail update-trail --name <trail-name> --kms-key-id <kms-key-arn>",
        url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
    ),
)
def cloudtrail_kms_encryption_enabled(ctx: CheckContext) -> Results:
    """Each trail names a ``KmsKeyId``, i.e. delivers its log files with SSE-KMS.

    A separate key-policy grant is then needed to read the logs, which splits "may
    read the bucket" from "may read the account's audit trail". Organisation trails
    are judged once, in the account that owns them.
    """
    for trail in ctx.resources():
        if not owned(trail):
            continue
        key = trail.data.get("KmsKeyId")
        if key:
            yield ctx.passed(trail, f"trail {trail.name} encrypts log files with KMS key {key}")
        else:
            yield ctx.failed(
                trail, f"trail {trail.name} has no KmsKeyId: logs use only S3-managed encryption"
            )
