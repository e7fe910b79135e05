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
    title="Unauthorized API calls are monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.1",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.1"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_unauthorized_api_calls(ctx: CheckContext) -> Results:
    """Counts CloudTrail records whose ``errorCode`` is ``*UnauthorizedOperation`` or
    ``AccessDenied*`` and alarms on them.

    A burst of denied calls is what credential misuse looks like from the outside: a
    stolen key probing what it may do, or a misconfigured role. CIS's current pattern
    also excludes S3 log delivery and ``HeadBucket`` noise; filters with or without
    those exclusions qualify, as long as they count denied calls and ignore successful
    ones. Throttling errors must not be counted as unauthorized.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.1")
