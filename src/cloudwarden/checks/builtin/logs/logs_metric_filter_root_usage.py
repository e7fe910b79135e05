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
    title="Use of the root user is monitored with a metric filter and alarm",
    severity=Severity.HIGH,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.3",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.3"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_root_usage(ctx: CheckContext) -> Results:
    """Counts CloudTrail records made by the root user (``userIdentity.type`` Root) that
    were not invoked by an AWS service (``invokedBy`` absent) and are not service events.

    Root bypasses every IAM policy and most SCP protections of its own credentials; it
    should almost never act, so each use is worth a page. The filter must count a root
    API call and a root console login, and ignore service-invoked root records.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.3")
