"""The link-by-link rules every CIS 5.x metric-filter check shares (shown with CIS 5.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Resource, Status
from cloudwarden.testing import (
    ACCOUNT,
    REGION,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

Build = Callable[..., Snapshot]
CHECK = "logs_metric_filter_root_usage"
ROOT = CIS_MONITORS["5.3"].pattern
MEMBER = "222222222222"


def result(snap: Snapshot, account: str = ACCOUNT) -> Any:
    scope = f"arn:aws:logs::{account}:account"
    [finding] = [f for f in findings_for(snap, CHECK) if f.resource_arn == scope]
    return finding


def test_without_a_trail_into_cloudwatch_logs_nothing_is_monitored(
    monitoring_snapshot: Build,
) -> None:
    finding = result(monitoring_snapshot(ROOT, with_trail=False))
    assert finding.status is Status.FAIL
    assert finding.status_reason == (
        "no logging multi-region trail sends management events to CloudWatch Logs"
    )


def test_a_stopped_trail_does_not_feed_the_filter(monitoring_snapshot: Build) -> None:
    snap = monitoring_snapshot(ROOT, trail_data={"TrailStatus": {"IsLogging": False}})
    assert result(snap).status is Status.FAIL


def test_trail_whose_status_could_not_be_read_is_not_assessed(monitoring_snapshot: Build) -> None:
    errors = {"TrailStatus": "cloudtrail:get_trail_status: AccessDeniedException"}
    snap = monitoring_snapshot(ROOT, trail_data={"TrailStatus": None, "_errors": errors})
    finding = result(snap)
    assert finding.status is Status.NOT_ASSESSED
    assert "status of trail org-trail unknown" in finding.status_reason


def test_alarm_on_another_metric_does_not_count(monitoring_snapshot: Build) -> None:
    finding = result(monitoring_snapshot(ROOT, alarm_metric="SomethingElse"))
    assert finding.status is Status.FAIL
    assert "no alarm watches that metric" in finding.status_reason


def test_log_group_in_an_unscanned_account_is_not_assessed(monitoring_snapshot: Build) -> None:
    snap = monitoring_snapshot(
        ROOT,
        trail_data={
            "CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:555555555555:log-group:central:*"
        },
    )
    finding = result(snap)
    assert finding.status is Status.NOT_ASSESSED
    assert "outside this scan" in finding.status_reason


def test_unreadable_alarms_make_the_account_not_assessed(monitoring_snapshot: Build) -> None:
    base = monitoring_snapshot(ROOT, actions=[])
    snap = make_snapshot(
        base.resources, errors=[collection_error("AWS::CloudWatch::Alarm", region=REGION)]
    )
    assert result(snap).status is Status.NOT_ASSESSED


def test_metric_math_alarm_and_organisation_trail_seen_by_a_member() -> None:
    """The member account sees the management account's trail; filter and alarm live there."""
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:org:*"
    trail_data = {
        "Name": "org",
        "IsMultiRegionTrail": True,
        "IsOrganizationTrail": True,
        "TrailStatus": {"IsLogging": True},
        "CloudWatchLogsLogGroupArn": group,
    }
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org"
    filter_data = {
        "filterName": "root",
        "logGroupName": "org",
        "filterPattern": ROOT,
        "metricTransformations": [{"metricName": "Root", "metricNamespace": "Sec"}],
    }
    metric = {"Metric": {"Namespace": "Sec", "MetricName": "Root"}, "Period": 300, "Stat": "Sum"}
    alarm_data = {
        "AlarmName": "root",
        "ActionsEnabled": True,
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:sec"],
        "Metrics": [{"Id": "m1", "MetricStat": metric}],
    }
    resources: list[Resource] = [
        make_resource("AWS::CloudTrail::Trail", trail_arn, trail_data),
        make_resource("AWS::CloudTrail::Trail", trail_arn, trail_data, account=MEMBER),
        make_resource("AWS::Logs::MetricFilter", f"{group[:-2]}:metric-filter:root", filter_data),
        make_resource(
            "AWS::CloudWatch::Alarm",
            f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:root",
            alarm_data,
        ),
    ]
    snap = make_snapshot(resources, accounts=(ACCOUNT, MEMBER))
    assert result(snap).status is Status.PASS
    assert result(snap, MEMBER).status is Status.PASS
