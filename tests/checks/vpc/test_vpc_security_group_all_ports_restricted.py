from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_security_group_all_ports_restricted"


def group(permissions: list[dict[str, Any]]) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0abc"
    data = {"GroupId": "sg-0abc", "GroupName": "app", "IpPermissions": permissions}
    return make_resource("AWS::EC2::SecurityGroup", arn, data)


WORLD = [{"CidrIp": "0.0.0.0/0"}]


@pytest.mark.parametrize(
    ("permission", "status"),
    [
        ({"IpProtocol": "-1", "IpRanges": WORLD}, Status.FAIL),
        ({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, Status.FAIL),
        ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": WORLD}, Status.FAIL),
        ({"IpProtocol": "udp", "FromPort": 1, "ToPort": 65535, "IpRanges": WORLD}, Status.FAIL),
        ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": WORLD}, Status.PASS),
        ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, Status.PASS),
        # all traffic from another security group is how tiers talk; not the internet
        ({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0web"}]}, Status.PASS),
    ],
)
def test_all_ports_from_the_internet(permission: dict[str, Any], status: Status) -> None:
    (finding,) = findings_for(make_snapshot([group([permission])]), CHECK)
    assert finding.status is status


def test_reason_names_the_rule() -> None:
    (finding,) = findings_for(
        make_snapshot([group([{"IpProtocol": "-1", "IpRanges": WORLD}])]), CHECK
    )
    assert finding.status_reason == (
        "sg-0abc admits every port from the internet via ingress rule all traffic from 0.0.0.0/0"
    )
