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
    title="IAM policy changes are monitored with a metric filter and alarm",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=METRIC_FILTER,
    requires=REQUIRES,
    wa=("SEC04-BP04", "SEC04-BP02"),
    cis=("5.4",),
    permissions=PERMISSIONS,
    regional=False,
    remediation=remediation("5.4"),
    references=(
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    ),
)
def logs_metric_filter_iam_policy_changes(ctx: CheckContext) -> Results:
    """Counts the sixteen IAM calls that create, change, attach or detach identity
    policies (``PutUserPolicy``, ``AttachRolePolicy``, ``CreatePolicyVersion``, ...).

    Granting oneself more permissions is the usual first step of privilege
    escalation; every policy change should be visible. The filter must count each of
    the sixteen calls and ignore read-only IAM calls.

    One result per account: PASS needs a logging multi-region trail recording all
    management events into a log group, a metric filter there that behaves as
    described, and an alarm with an enabled action on the filter's metric.
    """
    yield from assess(ctx, "5.4")
