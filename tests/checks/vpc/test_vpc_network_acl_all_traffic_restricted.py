"""vpc_network_acl_all_traffic_restricted: rule order decides, as AWS evaluates NACL entries."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_network_acl_all_traffic_restricted"


def acl(entries: list[dict[str, Any]]) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:network-acl/acl-0123"
    return make_resource(
        "AWS::EC2::NetworkAcl", arn, {"NetworkAclId": "acl-0123", "Entries": entries}
    )


def entry(
    number: int, action: str, cidr: str, proto: str = "-1", egress: bool = False
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "RuleNumber": number,
        "RuleAction": action,
        "Protocol": proto,
        "Egress": egress,
    }
    e["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if proto != "-1":
        e["PortRange"] = {"From": 443, "To": 443}
    return e


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        # AWS's default NACL: rule 100 allows everything in -> FAIL
        ([entry(100, "allow", "0.0.0.0/0"), entry(32767, "deny", "0.0.0.0/0")], Status.FAIL),
        ([entry(100, "allow", "::/0")], Status.FAIL),
        # a lower-numbered all-traffic deny of the whole internet shadows the allow -> PASS
        ([entry(50, "deny", "0.0.0.0/0"), entry(100, "allow", "0.0.0.0/0")], Status.PASS),
        # a port-specific deny first still leaves every other port open -> FAIL
        ([entry(50, "deny", "0.0.0.0/0", "6"), entry(100, "allow", "0.0.0.0/0")], Status.FAIL),
        # only HTTPS from the internet, all traffic only from the VPC -> PASS
        ([entry(100, "allow", "0.0.0.0/0", "6"), entry(110, "allow", "10.0.0.0/16")], Status.PASS),
        # outbound entries are not ingress -> PASS
        ([entry(100, "allow", "0.0.0.0/0", egress=True)], Status.PASS),
    ],
)  # fmt: skip
def test_rule_order_decides(entries: list[dict[str, Any]], status: Status) -> None:
    (finding,) = findings_for(make_snapshot([acl(entries)]), CHECK)
    assert finding.status is status


def test_reason_names_the_entry() -> None:
    (finding,) = findings_for(make_snapshot([acl([entry(100, "allow", "0.0.0.0/0")])]), CHECK)
    assert finding.status_reason == (
        "acl-0123 admits all traffic from the internet: rule 100 allow all traffic from 0.0.0.0/0"
    )
