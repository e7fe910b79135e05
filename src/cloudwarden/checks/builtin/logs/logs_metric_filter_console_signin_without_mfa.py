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
    title="Console sign-ins without MFA are monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.2",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.2"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_console_signin_without_mfa(ctx: CheckContext) -> Results:
    """Counts successful ``ConsoleLogin`` events whose ``additionalEventData.MFAUsed`` is not
    ``Yes`` and alarms on them.

    Where MFA is expected, a password-only console login means either a user without
    MFA or a bypass; both deserve a look. The filter must count an IAM user's
    password-only login and ignore one made with MFA.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.2")
