from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_network_acl_admin_ports_restricted"


def acl(entries: list[dict[str, Any]]) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:network-acl/acl-0123"
    return make_resource(
        "AWS::EC2::NetworkAcl", arn, {"NetworkAclId": "acl-0123", "Entries": entries}
    )


def entry(
    number: int, action: str, cidr: str, proto: str = "6", ports: tuple[int, int] | None = None
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


DEFAULT_NACL = [entry(100, "allow", "0.0.0.0/0", "-1"), entry(32767, "deny", "0.0.0.0/0", "-1")]


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        (DEFAULT_NACL, Status.FAIL),  # AWS's default NACL allows everything in
        ([entry(100, "allow", "0.0.0.0/0", ports=(22, 22))], Status.FAIL),
        ([entry(100, "allow", "::/0", ports=(3389, 3389))], Status.FAIL),
        # a lower-numbered deny shadows the allow (22 is the only port the allow covers)
        ([entry(50, "deny", "0.0.0.0/0", ports=(22, 22)), entry(100, "allow", "0.0.0.0/0", ports=(22, 22))], Status.PASS),
        # a higher-numbered deny does not
        ([entry(100, "allow", "0.0.0.0/0", ports=(22, 22)), entry(150, "deny", "0.0.0.0/0", ports=(22, 22))], Status.FAIL),
        ([entry(100, "allow", "0.0.0.0/0", ports=(443, 443)), entry(32767, "deny", "0.0.0.0/0", "-1")], Status.PASS),
        ([entry(100, "allow", "10.0.0.0/8", "-1")], Status.PASS),
    ],
)  # fmt: skip
def test_nacl_rule_order_decides(entries: list[dict[str, Any]], status: Status) -> None:
    (finding,) = findings_for(make_snapshot([acl(entries)]), CHECK)
    assert finding.status is status


def test_reason_names_the_deciding_entry() -> None:
    entries = [entry(100, "allow", "0.0.0.0/0", ports=(22, 22))]
    (finding,) = findings_for(make_snapshot([acl(entries)]), CHECK)
    assert finding.status_reason == (
        "acl-0123 lets SSH (tcp 22) in from the internet by rule 100 allow tcp 22-22 from 0.0.0.0/0"
    )
