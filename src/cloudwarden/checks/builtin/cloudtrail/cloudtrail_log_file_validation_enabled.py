from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import TRAIL, owned
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="CloudTrail trails have log file validation enabled",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=TRAIL,
    wa=("SEC04-BP01",),
    cis=("4.2",),
    permissions=("cloudtrail:DescribeTrails",),
    remediation=Remediation(
        text=(
            "With validation on, CloudTrail writes a signed digest file every hour, so you can "
            "prove a log file was not changed or deleted after delivery — the first thing an "
            "intruder with bucket access would try. Turn it on for every trail."
        ),
        console="CloudTrail > Trails > <trail> > General details > Edit > Log file validation: Enabled.",
        cli="aws cloudtrail update-trail --name <trail-name> --enable-log-file-validation",
        url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-enabling.html",
    ),
)
def cloudtrail_log_file_validation_enabled(ctx: CheckContext) -> Results:
    """Each trail has ``LogFileValidationEnabled`` set.

    CloudTrail then delivers SHA-256 hashed, RSA-signed digest files that
    ``aws cloudtrail validate-logs`` checks, making tampering with delivered logs
    detectable. An organisation trail is judged in the management account that owns
    it, not again in every member account that can see it.
    """
    for trail in ctx.resources():
        if not owned(trail):
            continue
        if trail.data.get("LogFileValidationEnabled"):
            yield ctx.passed(trail, f"trail {trail.name} has log file validation enabled")
        else:
            yield ctx.failed(trail, f"trail {trail.name} has LogFileValidationEnabled false")
