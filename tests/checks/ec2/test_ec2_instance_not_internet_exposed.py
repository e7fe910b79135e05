"""An instance is exposed only when every layer lets the internet in: public address,
internet route, network ACL and security group."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import collection_error, findings_for, make_resource, make_snapshot

CHECK = "ec2_instance_not_internet_exposed"
ARN = "arn:aws:ec2:us-east-1:123456789012:"
SSH_WORLD = [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
]
SSH_INTERNAL = [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
]
ALLOW_ALL = [
    {
        "RuleNumber": 100,
        "RuleAction": "allow",
        "Protocol": "-1",
        "CidrBlock": "0.0.0.0/0",
        "Egress": False,
    },
]
DENY_SSH_FIRST = [
    {"RuleNumber": 50, "RuleAction": "deny", "Protocol": "6", "PortRange": {"From": 22, "To": 22},
     "CidrBlock": "0.0.0.0/0", "Egress": False},
    *ALLOW_ALL,
]  # fmt: skip
IGW_ROUTE = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0a", "State": "active"}


def scope(
    *,
    public_ip: str | None = "203.0.113.10",
    permissions: list[dict[str, Any]] = SSH_WORLD,
    routes: list[dict[str, Any]] | None = None,
    nacl_entries: list[dict[str, Any]] = ALLOW_ALL,
) -> list[Resource]:
    eni: dict[str, Any] = {
        "SubnetId": "subnet-0pub",
        "VpcId": "vpc-01",
        "Groups": [{"GroupId": "sg-0ssh"}],
    }
    if public_ip:
        eni["Association"] = {"PublicIp": public_ip}
    instance = {"InstanceId": "i-0abc", "State": {"Name": "running"}, "NetworkInterfaces": [eni]}
    table = {
        "RouteTableId": "rtb-0pub",
        "VpcId": "vpc-01",
        "Associations": [{"SubnetId": "subnet-0pub"}],
        "Routes": [IGW_ROUTE] if routes is None else routes,
    }
    nacl = {
        "NetworkAclId": "acl-01",
        "Associations": [{"SubnetId": "subnet-0pub"}],
        "Entries": nacl_entries,
    }
    return [
        make_resource("AWS::EC2::Instance", ARN + "instance/i-0abc", instance),
        make_resource("AWS::EC2::SecurityGroup", ARN + "security-group/sg-0ssh",
                      {"GroupId": "sg-0ssh", "IpPermissions": permissions}),
        make_resource("AWS::EC2::RouteTable", ARN + "route-table/rtb-0pub", table),
        make_resource("AWS::EC2::NetworkAcl", ARN + "network-acl/acl-01", nacl),
    ]  # fmt: skip


def test_every_layer_open_fails_and_names_the_path() -> None:
    (finding,) = findings_for(make_snapshot(scope()), CHECK)
    assert finding.status is Status.FAIL
    assert finding.status_reason == (
        "i-0abc is reachable from the internet: SSH (tcp 22) at 203.0.113.10 via sg-0ssh rule "
        "tcp 22-22 from 0.0.0.0/0, subnet subnet-0pub routed to igw-0a"
    )


OPEN_BUT_BLOCKED = (
    "i-0abc has public address 203.0.113.10 but no administration port is open to the "
    "internet through its routes, NACL and security groups"
)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"public_ip": None}, "i-0abc has no public IP address"),
        ({"routes": []}, OPEN_BUT_BLOCKED),  # no route to an internet gateway
        ({"nacl_entries": DENY_SSH_FIRST}, OPEN_BUT_BLOCKED),  # the NACL denies SSH first
        ({"permissions": SSH_INTERNAL}, OPEN_BUT_BLOCKED),  # the group admits only 10/8
    ],
)
def test_one_closed_layer_is_enough(kwargs: dict[str, Any], reason: str) -> None:
    (finding,) = findings_for(make_snapshot(scope(**kwargs)), CHECK)
    assert (finding.status, finding.status_reason) == (Status.PASS, reason)


def test_unknown_security_group_is_not_assessed() -> None:
    resources = [r for r in scope() if r.type != "AWS::EC2::SecurityGroup"]
    (finding,) = findings_for(make_snapshot(resources), CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert (
        finding.status_reason
        == "exposure of i-0abc unknown: security group sg-0ssh is not in the snapshot"
    )


def test_missing_route_tables_make_the_scope_not_assessed() -> None:
    snap = make_snapshot(
        scope(), errors=[collection_error("AWS::EC2::RouteTable", region="us-east-1")]
    )
    (finding,) = findings_for(snap, CHECK)
    assert finding.status is Status.NOT_ASSESSED
    assert "failed: AccessDenied" in finding.status_reason
