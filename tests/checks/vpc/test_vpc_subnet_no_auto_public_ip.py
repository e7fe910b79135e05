from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_subnet_no_auto_public_ip"


def subnet(map_public: bool, default: bool = False) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a"
    data = {
        "SubnetId": "subnet-0a",
        "VpcId": "vpc-01",
        "CidrBlock": "10.0.1.0/24",
        "MapPublicIpOnLaunch": map_public,
        "DefaultForAz": default,
    }
    return make_resource("AWS::EC2::Subnet", arn, data)


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (subnet(True), Status.FAIL, "subnet subnet-0a (10.0.1.0/24 in vpc-01) has MapPublicIpOnLaunch enabled"),
        (subnet(True, default=True), Status.FAIL, "subnet subnet-0a (10.0.1.0/24 in vpc-01), a default subnet, has MapPublicIpOnLaunch enabled"),
        (subnet(False), Status.PASS, "subnet subnet-0a (10.0.1.0/24 in vpc-01) does not auto-assign public IPv4 addresses"),
    ],
)  # fmt: skip
def test_auto_assigned_public_ips(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)
