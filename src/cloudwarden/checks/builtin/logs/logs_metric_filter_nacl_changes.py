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
    title="Network ACL changes are monitored with a metric filter and alarm",
    severity=Severity.LOW,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.11",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.11"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_nacl_changes(ctx: CheckContext) -> Results:
    """Counts the calls that create, delete or replace network ACLs, their entries or
    associations.

    NACLs are the subnet-level guard rail; an unexpected allow entry bypasses it for
    a whole subnet. The filter must count all six calls and ignore
    ``DescribeNetworkAcls``.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.11")
