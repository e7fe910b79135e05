from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.logs._cis_monitoring import (
    METRIC_FILTER,
    PERMISSIONS,
    REQUIRES,
    assess,
    remediation,
)
from cloudwarden.model import Area, Severity


@check(
    title="S3 bucket policy changes are monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.8",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.8"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_s3_bucket_policy_changes(ctx: CheckContext) -> Results:
    """Counts S3 calls that change a bucket's ACL, policy, CORS, lifecycle or replication
    (``PutBucketPolicy``, ``DeleteBucketPolicy``, ``PutBucketAcl``, ...).

    Opening a bucket or replicating it elsewhere is a common exfiltration path. The
    filter must count all nine calls and ignore reads such as ``GetBucketPolicy``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.8")
