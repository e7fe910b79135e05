"""Assess one CIS monitoring item (5.1–5.15) for each account.

CIS asks for a chain: a multi-region trail that is logging all management events
delivers to a CloudWatch Logs log group; a metric filter on that log group counts
the item's events; an alarm on the filter's metric has an action. Any link missing
means nobody is told. The log group may live in another account (an organisation
trail delivering centrally); it is then judged there if that account was scanned.
Whether the alarm's SNS topic reaches a person is ``cloudwatch_alarm_actions_configured``'s
job; here an enabled alarm action is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cloudwarden.checks.api import CheckContext, CheckResult, Results
from cloudwarden.checks.builtin.cloudtrail._trails import (
    TRAIL,
    collection_gap,
    is_account_wide,
    unknown_parts,
)
from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS, CisMonitor
from cloudwarden.checks.builtin.logs._filter_pattern import PatternError, compile_pattern
from cloudwarden.model import Remediation, Resource, Status

METRIC_FILTER = "AWS::Logs::MetricFilter"
ALARM = "AWS::CloudWatch::Alarm"
REQUIRES = (TRAIL, ALARM)
PERMISSIONS = (
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarms",
)


@dataclass(frozen=True)
class _Link:
    """How far one trail's chain got: PASS with evidence, or the reason it stops."""

    status: Status
    reason: str
    evidence: tuple[tuple[str, str], ...] = ()


def assess(ctx: CheckContext, cis: str) -> Results:
    monitor = CIS_MONITORS[cis]
    for account, region in ctx.scopes():
        yield _assess_account(ctx, monitor, account, region)


def _assess_account(
    ctx: CheckContext, monitor: CisMonitor, account: str, region: str
) -> CheckResult:
    delivering = [t for t in ctx.related(TRAIL, account) if t.data.get("CloudWatchLogsLogGroupArn")]
    links = [_chain(ctx, monitor, t) for t in delivering if is_account_wide(t)]
    done = next((link for link in links if link.status is Status.PASS), None)
    if done:
        return ctx.scope_result(Status.PASS, account, region, done.reason, **dict(done.evidence))
    unknown = [link.reason for link in links if link.status is Status.NOT_ASSESSED]
    unknown += unknown_parts(delivering)
    gap = collection_gap(ctx, account, (TRAIL,))
    if gap:
        unknown.append(gap)
    if unknown:
        return ctx.scope_result(Status.NOT_ASSESSED, account, region, unknown[0])
    if not links:
        reason = "no logging multi-region trail sends management events to CloudWatch Logs"
        return ctx.scope_result(Status.FAIL, account, region, reason)
    return ctx.scope_result(Status.FAIL, account, region, links[0].reason)


def _chain(ctx: CheckContext, monitor: CisMonitor, trail: Resource) -> _Link:
    arn = str(trail.data["CloudWatchLogsLogGroupArn"])
    parts = arn.split(":")
    if len(parts) < 7:
        return _Link(Status.FAIL, f"trail {trail.name} names an unreadable log group ARN {arn}")
    region, account, group = parts[3], parts[4], parts[6]
    info = ctx.snapshot.account(account)
    if info is None or region not in info.regions:
        reason = (
            f"log group {group} of trail {trail.name} is in {account}/{region}, outside this scan"
        )
        return _Link(Status.NOT_ASSESSED, reason)
    if collection_gap(ctx, account, (METRIC_FILTER, ALARM)):
        return _Link(Status.NOT_ASSESSED, f"metric filters or alarms of {account} not collected")
    filters = [
        f
        for f in ctx.related(METRIC_FILTER, account, region)
        if f.data.get("logGroupName") == group
        and implements(f.data.get("filterPattern", ""), monitor.cis)
    ]
    if not filters:
        reason = (
            f"no metric filter on log group {group} (trail {trail.name}) catches {monitor.what}"
        )
        return _Link(Status.FAIL, reason)
    return _alarmed(ctx, filters, account, region, group)


def _alarmed(
    ctx: CheckContext, filters: list[Resource], account: str, region: str, group: str
) -> _Link:
    alarms = ctx.related(ALARM, account, region)
    silent: list[str] = []
    for flt in filters:
        for metric in flt.data.get("metricTransformations", []):
            namespace, name = metric.get("metricNamespace", ""), metric.get("metricName", "")
            watching = [a for a in alarms if _watches(a, namespace, name)]
            acting = [a for a in watching if _acts(a)]
            if acting:
                reason = f"filter {flt.id} on {group} feeds {namespace}/{name}, alarmed by {acting[0].id}"
                evidence = (("log_group", group), ("filter", flt.id), ("alarm", acting[0].arn))
                return _Link(Status.PASS, reason, evidence)
            silent.extend(f"{a.id}" for a in watching)
    first = filters[0]
    metric = (first.data.get("metricTransformations") or [{}])[0]
    target = f"{metric.get('metricNamespace', '?')}/{metric.get('metricName', '?')}"
    if silent:
        reason = f"alarm {silent[0]} on metric {target} of filter {first.id} has no enabled action"
    else:
        reason = f"filter {first.id} on {group} feeds {target}, but no alarm watches that metric"
    return _Link(Status.FAIL, reason)


def _watches(alarm: Resource, namespace: str, name: str) -> bool:
    data = alarm.data
    if data.get("Namespace") == namespace and data.get("MetricName") == name:
        return True
    for query in data.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("Namespace") == namespace and metric.get("MetricName") == name:
            return True
    return False


def _acts(alarm: Resource) -> bool:
    return bool(alarm.data.get("ActionsEnabled", True) and alarm.data.get("AlarmActions"))


@lru_cache(maxsize=4096)
def implements(pattern: str, cis: str) -> bool:
    """True when the filter pattern counts every must-match event and no must-not-match one."""
    monitor = CIS_MONITORS[cis]
    try:
        predicate = compile_pattern(pattern)
    except PatternError:
        return False
    return all(predicate(e) for e in monitor.must_match) and not any(
        predicate(e) for e in monitor.must_not_match
    )


def remediation(cis: str) -> Remediation:
    """The same fix for every item: metric filter on the trail's log group, then an alarm."""
    m = CIS_MONITORS[cis]
    return Remediation(
        text=(
            f"Nobody is alerted to {m.what}. Create a metric filter with the CIS pattern on the "
            "log group of your multi-region trail, and an alarm on its metric that notifies an "
            "SNS topic your responders subscribe to."
        ),
        console=(
            "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric filter "
            "(paste the pattern) > then Create alarm on the new metric, Sum >= 1 over 5 minutes, "
            "notify an SNS topic."
        ),
        cli=(
            f"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name "
            f"{m.metric} --metric-transformations metricName={m.metric},metricNamespace=CISBenchmark,"
            f"metricValue=1 --filter-pattern '{m.pattern}' && aws cloudwatch put-metric-alarm "
            f"--alarm-name {m.metric} --metric-name {m.metric} --namespace CISBenchmark "
            "--statistic Sum --period 300 --evaluation-periods 1 --threshold 1 "
            "--comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"
        ),
        url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html",
    )
