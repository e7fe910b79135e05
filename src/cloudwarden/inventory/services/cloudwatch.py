"""CloudWatch metric alarms, as ``DescribeAlarms`` returns them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

ALARM = "AWS::CloudWatch::Alarm"


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(value, default=_iso)))


@collector(
    service="cloudwatch",
    resource_types=(ALARM,),
    permissions=("cloudwatch:DescribeAlarms",),
)
def collect_cloudwatch(ctx: CollectContext) -> Iterator[Resource]:
    alarms = ctx.paginate(
        "cloudwatch", "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"]
    )
    for alarm in alarms:
        yield ctx.resource(ALARM, arn=alarm["AlarmArn"], id=alarm["AlarmName"], data=_plain(alarm))
