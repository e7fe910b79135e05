from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import collection_error, findings_for, make_resource, make_snapshot

CHECK = "vpc_flow_logs_enabled"


def vpc(**data: Any) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-01"
    return make_resource("AWS::EC2::VPC", arn, {"VpcId": "vpc-01", **data})


def flow_log(
    traffic: str = "ALL", status: str = "ACTIVE", delivery: str = "SUCCESS"
) -> dict[str, Any]:
    return {
        "FlowLogId": "fl-01",
        "ResourceId": "vpc-01",
        "TrafficType": traffic,
        "FlowLogStatus": status,
        "DeliverLogsStatus": delivery,
    }


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (vpc(FlowLogs=[flow_log()]), Status.PASS, "vpc-01 has working flow log(s) fl-01"),
        (vpc(FlowLogs=[flow_log("REJECT")]), Status.PASS, "vpc-01 has working flow log(s) fl-01"),
        (vpc(FlowLogs=[]), Status.FAIL, "vpc-01 has no VPC-level flow log"),
        (vpc(FlowLogs=[flow_log("ACCEPT")]), Status.FAIL, "vpc-01 has no working flow log: fl-01 traffic ACCEPT, status ACTIVE, delivery SUCCESS"),
        (vpc(FlowLogs=[flow_log(delivery="FAILED")]), Status.FAIL, "vpc-01 has no working flow log: fl-01 traffic ALL, status ACTIVE, delivery FAILED"),
        (vpc(_errors={"FlowLogs": "ec2:describe_flow_logs: AccessDenied"}), Status.NOT_ASSESSED, "flow logs of vpc-01 could not be listed: ec2:describe_flow_logs: AccessDenied"),
    ],
)  # fmt: skip
def test_flow_logs(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)


def test_vpcs_not_collected_are_not_assessed() -> None:
    snap = make_snapshot(errors=[collection_error("AWS::EC2::VPC", region="us-east-1")])
    (finding,) = findings_for(snap, CHECK)
    assert finding.status is Status.NOT_ASSESSED
