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
    title="Security group changes are monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.10",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.10"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_security_group_changes(ctx: CheckContext) -> Results:
    """Counts the calls that create, delete or change security group rules
    (``AuthorizeSecurityGroupIngress``, ``RevokeSecurityGroupEgress``, ...).

    A rule opened to the internet is often the first step of an attack or of an
    accident waiting to happen. The filter must count all six calls and ignore
    ``DescribeSecurityGroups``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.10")
