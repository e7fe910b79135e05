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
    title="VPC changes are monitored with a metric filter and alarm",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.14",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.14"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_vpc_changes(ctx: CheckContext) -> Results:
    """Counts the calls that create, delete or modify VPCs, peering connections and
    ClassicLink.

    A new peering connection joins two networks that were meant to be apart. The
    filter must count all eleven calls and ignore ``DescribeVpcs``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.14")
