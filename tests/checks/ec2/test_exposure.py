"""The reachability rules the network checks rely on, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.checks.builtin.ec2._exposure import (
    ADMIN_PORTS,
    Opening,
    Port,
    exposures,
    internet_route,
    is_world,
    nacl_world_allow,
    route_table_for_subnet,
    summarize,
)

SSH = Port(22, "tcp", "SSH")


def perm(proto: str, low: int | None = None, high: int | None = None, **src: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": []}
    if low is not None:
        p["FromPort"], p["ToPort"] = low, high
    if "v4" in src:
        p["IpRanges"] = [{"CidrIp": src["v4"]}]
    if "v6" in src:
        p["Ipv6Ranges"] = [{"CidrIpv6": src["v6"]}]
    return p


@pytest.mark.parametrize(
    ("cidr", "world"),
    [("0.0.0.0/0", True), ("::/0", True), ("0::/0", True), ("10.0.0.0/8", False),
     ("0.0.0.0/1", False), ("2001:db8::/32", False), ("not-a-cidr", False)],
)  # fmt: skip
def test_is_world(cidr: str, world: bool) -> None:
    assert is_world(cidr) is world


@pytest.mark.parametrize(
    ("permission", "opens_ssh"),
    [
        (perm("tcp", 22, 22, v4="0.0.0.0/0"), True),
        (perm("tcp", 0, 65535, v4="0.0.0.0/0"), True),  # a wide range contains 22
        (perm("-1", v4="0.0.0.0/0"), True),  # -1: every protocol, every port
        (perm("6", 20, 25, v6="::/0"), True),  # protocol numbers and IPv6 count
        (perm("tcp", 23, 23, v4="0.0.0.0/0"), False),  # another port (Telnet, not SSH)
        (perm("udp", 22, 22, v4="0.0.0.0/0"), False),  # another protocol
        (perm("tcp", 22, 22, v4="10.0.0.0/8"), False),  # not the internet
        (perm("icmp", -1, -1, v4="0.0.0.0/0"), False),
    ],
)
def test_security_group_permission_opens_ssh(permission: dict[str, Any], opens_ssh: bool) -> None:
    assert bool(exposures([permission], [SSH])) is opens_ssh


def test_all_traffic_opens_every_admin_port_and_summary_groups_them() -> None:
    found = exposures([perm("-1", v4="0.0.0.0/0")], ADMIN_PORTS)
    assert {e.port for e in found} == set(ADMIN_PORTS)
    assert summarize(found).startswith("SSH (tcp 22), Telnet (tcp 23), RDP (tcp 3389)")
    assert summarize(found).endswith("from 0.0.0.0/0 via ingress rule all traffic")


@pytest.mark.parametrize(
    ("opening", "all_ports"),
    [
        (Opening("0.0.0.0/0", "-1", None, None), True),
        (Opening("0.0.0.0/0", "6", 0, 65535), True),
        (Opening("0.0.0.0/0", "17", 1, 65535), True),
        (Opening("0.0.0.0/0", "6", 1024, 65535), False),
        (Opening("0.0.0.0/0", "1", -1, -1), False),  # ICMP has no ports
    ],
)
def test_opening_all_ports(opening: Opening, all_ports: bool) -> None:
    assert opening.all_ports is all_ports


def entry(
    number: int, action: str, cidr: str, proto: str = "6", ports: tuple[int, int] | None = (22, 22)
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "RuleNumber": number,
        "RuleAction": action,
        "Protocol": proto,
        "Egress": False,
    }
    e["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    return e


DEFAULT_DENY = entry(32767, "deny", "0.0.0.0/0", "-1", None)


@pytest.mark.parametrize(
    ("entries", "open_"),
    [
        ([entry(100, "allow", "0.0.0.0/0"), DEFAULT_DENY], True),
        # the lowest-numbered matching entry decides: a deny of the internet shadows the allow
        ([entry(100, "allow", "0.0.0.0/0"), entry(50, "deny", "0.0.0.0/0"), DEFAULT_DENY], False),
        # ... but a deny of a few addresses leaves the rest of the internet allowed
        ([entry(50, "deny", "198.51.100.0/24"), entry(100, "allow", "0.0.0.0/0")], True),
        # two halves of the address space decide everything just as a /0 does
        ([entry(10, "deny", "0.0.0.0/1"), entry(20, "deny", "128.0.0.0/1"),
          entry(100, "allow", "0.0.0.0/0")], False),
        # an allow-all entry (protocol -1) covers port 22
        ([entry(100, "allow", "0.0.0.0/0", "-1", None)], True),
        # the deny must cover the port to shadow: 3389 denied, 22 still allowed
        ([entry(50, "deny", "0.0.0.0/0", ports=(3389, 3389)), entry(100, "allow", "0.0.0.0/0")], True),
        # a higher-numbered deny comes too late
        ([entry(100, "allow", "0.0.0.0/0"), entry(200, "deny", "0.0.0.0/0")], True),
        ([entry(100, "allow", "10.0.0.0/8"), DEFAULT_DENY], False),
        ([DEFAULT_DENY], False),
        # egress entries are not about inbound traffic
        ([{**entry(100, "allow", "0.0.0.0/0"), "Egress": True}], False),
    ],
)  # fmt: skip
def test_nacl_entries_are_evaluated_in_rule_number_order(
    entries: list[dict[str, Any]], open_: bool
) -> None:
    assert (nacl_world_allow(entries, SSH, 4) is not None) is open_


def test_nacl_families_are_separate() -> None:
    entries = [entry(50, "deny", "0.0.0.0/0"), entry(100, "allow", "::/0")]
    assert nacl_world_allow(entries, SSH, 4) is None
    assert nacl_world_allow(entries, SSH, 6) == entries[1]


def test_subnet_uses_its_associated_route_table_else_the_main_one() -> None:
    main = {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]}
    public = {
        "RouteTableId": "rtb-pub",
        "VpcId": "vpc-1",
        "Associations": [{"SubnetId": "subnet-pub"}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}],
    }
    tables = [main, public]
    assert route_table_for_subnet(tables, "subnet-pub", "vpc-1") is public
    assert route_table_for_subnet(tables, "subnet-other", "vpc-1") is main
    assert route_table_for_subnet(tables, "subnet-x", "vpc-2") is None
    assert internet_route(public, 4) is not None
    assert internet_route(public, 6) is None
    assert internet_route(main, 4) is None


def test_blackholed_or_non_igw_default_routes_do_not_reach_the_internet() -> None:
    table = {
        "Routes": [
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "blackhole"},
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"},
        ]
    }
    assert internet_route(table, 4) is None
