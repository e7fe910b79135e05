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
    title="Disabling or scheduled deletion of KMS keys is monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.7",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.7"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_cmk_disable_or_deletion(ctx: CheckContext) -> Results:
    """Counts KMS ``DisableKey`` and ``ScheduleKeyDeletion`` calls.

    Data encrypted under a deleted key is gone for good; the 7–30 day deletion window
    is the only time to cancel, so it must start an alert, not be found at the next
    review. The filter must count both calls and ignore ``Decrypt`` and ``EnableKey``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.7")
