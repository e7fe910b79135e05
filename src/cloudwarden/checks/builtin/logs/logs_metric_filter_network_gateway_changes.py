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
    title="Network gateway changes are monitored with a metric filter and alarm",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.12",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.12"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_network_gateway_changes(ctx: CheckContext) -> Results:
    """Counts the calls that create, delete, attach or detach internet and customer
    gateways.

    A new internet gateway gives a private network a way out; a new customer gateway
    a way in. The filter must count all six calls and ignore
    ``DescribeInternetGateways``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.12")
