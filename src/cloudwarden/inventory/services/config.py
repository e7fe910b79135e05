"""AWS Config configuration recorders, each with its status and the delivery channels.

The status and channel calls answer for every recorder of the region at once; when
one fails, every recorder carries the failure under ``_errors`` so a check says
NOT_ASSESSED for that part instead of guessing that the recorder is stopped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

RECORDER = "AWS::Config::ConfigurationRecorder"


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_iso))


@collector(
    service="config",
    resource_types=(RECORDER,),
    permissions=(
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
    ),
)
def collect_config(ctx: CollectContext) -> Iterator[Resource]:
    recorders = ctx.call("config", "describe_configuration_recorders")["ConfigurationRecorders"]
    if not recorders:
        return
    errors: dict[str, str] = {}
    status = ctx.detail(
        "config", "describe_configuration_recorder_status", errors, "RecorderStatus"
    )
    channels = ctx.detail("config", "describe_delivery_channels", errors, "DeliveryChannels")
    statuses = {s["name"]: s for s in (status or {}).get("ConfigurationRecordersStatus", [])}
    for recorder in recorders:
        name = recorder["name"]
        data = _plain(recorder)
        data["RecorderStatus"] = _plain(statuses.get(name)) if status is not None else None
        data["DeliveryChannels"] = (
            _plain(channels.get("DeliveryChannels", [])) if channels is not None else None
        )
        if errors:
            data["_errors"] = dict(errors)
        arn = recorder.get("arn") or ctx.arn("config", f"configuration-recorder/{name}")
        yield ctx.resource(RECORDER, arn=arn, id=name, data=data)
