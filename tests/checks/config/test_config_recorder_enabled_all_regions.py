"""config_recorder_enabled_all_regions: all resource types recorded, recorder running, per region."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

RECORDER = "AWS::Config::ConfigurationRecorder"
SCOPE = f"arn:aws:config:{REGION}:{ACCOUNT}:account"
ALL = {"allSupported": True, "includeGlobalResourceTypes": True}
SOME = {"allSupported": False, "resourceTypes": ["AWS::EC2::Instance"]}
RUNNING = {"name": "default", "recording": True, "lastStatus": "SUCCESS"}


def recorder(group: dict[str, Any], status: dict[str, Any] | None, **extra: Any) -> Any:
    arn = f"arn:aws:config:{REGION}:{ACCOUNT}:configuration-recorder/default"
    data = {"name": "default", "recordingGroup": group, "RecorderStatus": status, **extra}
    return make_resource(RECORDER, arn, data)


@pytest.mark.parametrize(
    ("recorders", "status", "reason"),
    [
        ([recorder(ALL, RUNNING)], Status.PASS, "records all resource types"),
        ([], Status.FAIL, "no AWS Config recorder exists"),
        ([recorder(SOME, RUNNING)], Status.FAIL, "records only selected resource types"),
        ([recorder(ALL, {**RUNNING, "recording": False})], Status.FAIL, "is stopped"),
        (
            [
                recorder(
                    ALL, {**RUNNING, "lastStatus": "Failure", "lastErrorMessage": "bucket gone"}
                )
            ],
            Status.FAIL,
            "failing: bucket gone",
        ),
        (
            [recorder(ALL, None, _errors={"RecorderStatus": "config: AccessDenied"})],
            Status.NOT_ASSESSED,
            "status of recorder default unknown",
        ),
    ],
    ids=["recording-all", "none", "selected-types", "stopped", "failing", "status-unreadable"],
)
def test_region_recorder(recorders: list[Any], status: Status, reason: str) -> None:
    [finding] = findings_for(make_snapshot(recorders), "config_recorder_enabled_all_regions")
    assert (finding.resource_arn, finding.status) == (SCOPE, status)
    assert reason in finding.status_reason
