"""A CIS monitoring chain built in memory: trail -> log group -> metric filter -> alarm -> topic.

It also makes ``cis_cases`` (the tests the CIS 5.x metric-filter checks share) importable:
the suite runs with ``--import-mode=importlib``, which does not put test folders on
``sys.path``, so this folder is added.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Resource
from cloudwarden.testing import ACCOUNT, REGION, make_resource, make_snapshot

GROUP = "org-trail-logs"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:security-alerts"
MonitoringSnapshot = Callable[..., Snapshot]

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


def trail(group_account: str = ACCOUNT, **data: Any) -> Resource:
    body = {
        "Name": "org-trail",
        "IsMultiRegionTrail": True,
        "HasCustomEventSelectors": False,
        "TrailStatus": {"IsLogging": True},
        "EventSelectors": [],
        "AdvancedEventSelectors": [],
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{REGION}:{group_account}:log-group:{GROUP}:*",
        **data,
    }
    return make_resource(
        "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-trail", body
    )


def metric_filter(pattern: str, metric: str = "CisMetric") -> Resource:
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:metric-filter:cis"
    data = {
        "filterName": "cis",
        "logGroupName": GROUP,
        "filterPattern": pattern,
        "metricTransformations": [
            {"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}
        ],
    }
    return make_resource("AWS::Logs::MetricFilter", arn, data)


def alarm(actions: list[str], metric: str = "CisMetric", **data: Any) -> Resource:
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:cis-alarm"
    body = {
        "AlarmName": "cis-alarm",
        "MetricName": metric,
        "Namespace": "CISBenchmark",
        "ActionsEnabled": True,
        "AlarmActions": actions,
        **data,
    }
    return make_resource("AWS::CloudWatch::Alarm", arn, body)


@pytest.fixture
def monitoring_snapshot() -> MonitoringSnapshot:
    """Build the whole chain for ``pattern``; keyword switches break one link at a time."""

    def build(
        pattern: str | None,
        *,
        actions: list[str] | None = None,
        with_trail: bool = True,
        alarm_metric: str = "CisMetric",
        trail_data: dict[str, Any] | None = None,
    ) -> Snapshot:
        resources: list[Resource] = []
        if with_trail:
            resources.append(trail(**(trail_data or {})))
        if pattern is not None:
            resources.append(metric_filter(pattern))
            resources.append(alarm([TOPIC] if actions is None else actions, metric=alarm_metric))
        return make_snapshot(resources)

    return build
