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
    title="CloudTrail configuration changes are monitored with a metric filter and alarm",
    severity=Severity.HIGH,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.5",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.5"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_cloudtrail_changes(ctx: CheckContext) -> Results:
    """Counts ``CreateTrail``, ``UpdateTrail``, ``DeleteTrail``, ``StartLogging`` and
    ``StopLogging``.

    Stopping or redirecting the trail is how an intruder goes dark; the alarm fires
    on the last events the trail records. The filter must count all five calls and
    ignore ``DescribeTrails``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.5")
