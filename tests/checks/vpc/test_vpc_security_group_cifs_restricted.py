from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_security_group_cifs_restricted"


def group(permission: dict[str, Any]) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0f11e5"
    data = {"GroupId": "sg-0f11e5", "GroupName": "files", "IpPermissions": [permission]}
    return make_resource("AWS::EC2::SecurityGroup", arn, data)


@pytest.mark.parametrize(
    ("permission", "status"),
    [
        ({"IpProtocol": "tcp", "FromPort": 445, "ToPort": 445, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, Status.FAIL),
        ({"IpProtocol": "tcp", "FromPort": 400, "ToPort": 500, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, Status.FAIL),
        ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, Status.FAIL),
        ({"IpProtocol": "tcp", "FromPort": 445, "ToPort": 445, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, Status.PASS),
        ({"IpProtocol": "udp", "FromPort": 445, "ToPort": 445, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, Status.PASS),
        ({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, Status.PASS),
    ],
)  # fmt: skip
def test_smb_from_the_internet(permission: dict[str, Any], status: Status) -> None:
    (finding,) = findings_for(make_snapshot([group(permission)]), CHECK)
    assert finding.status is status
    if status is Status.FAIL:
        assert "CIFS/SMB (tcp 445)" in finding.status_reason
