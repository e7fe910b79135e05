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
    title="Console authentication failures are monitored with a metric filter and alarm",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.6",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.6"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_console_auth_failures(ctx: CheckContext) -> Results:
    """Counts ``ConsoleLogin`` events with ``errorMessage`` "Failed authentication".

    Repeated failures point at password guessing or credential stuffing against IAM
    users; the alarm lets you lock the user or investigate the source IPs. The filter
    must count a failed login and ignore a successful one.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.6")
