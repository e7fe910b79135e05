from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_security_group_admin_ports_restricted"


def group(permissions: list[dict[str, Any]], gid: str = "sg-0123") -> Any:
    arn = f"arn:aws:ec2:us-east-1:123456789012:security-group/{gid}"
    data = {"GroupId": gid, "GroupName": "web", "IpPermissions": permissions}
    return make_resource("AWS::EC2::SecurityGroup", arn, data)


def rule(proto: str, low: int | None, high: int | None, cidr: str) -> dict[str, Any]:
    key, field = ("Ipv6Ranges", "CidrIpv6") if ":" in cidr else ("IpRanges", "CidrIp")
    r: dict[str, Any] = {"IpProtocol": proto, key: [{field: cidr}]}
    if low is not None:
        r.update(FromPort=low, ToPort=high)
    return r


@pytest.mark.parametrize(
    ("permissions", "status", "reason_part"),
    [
        ([rule("tcp", 22, 22, "0.0.0.0/0")], Status.FAIL, "SSH (tcp 22) from 0.0.0.0/0 via ingress rule tcp 22-22"),
        ([rule("tcp", 3389, 3389, "::/0")], Status.FAIL, "RDP (tcp 3389) from ::/0"),
        ([rule("-1", None, None, "0.0.0.0/0")], Status.FAIL, "via ingress rule all traffic"),
        ([rule("tcp", 0, 65535, "0.0.0.0/0")], Status.FAIL, "via ingress rule tcp 0-65535"),
        ([rule("tcp", 5985, 5986, "0.0.0.0/0")], Status.FAIL, "WinRM (tcp 5985)"),
        ([rule("tcp", 22, 22, "10.0.0.0/8")], Status.PASS, "admits no remote-administration port"),
        ([rule("tcp", 443, 443, "0.0.0.0/0")], Status.PASS, "admits no remote-administration port"),
        ([], Status.PASS, "admits no remote-administration port"),
    ],
)  # fmt: skip
def test_admin_ports_from_the_internet(
    permissions: list[dict[str, Any]], status: Status, reason_part: str
) -> None:
    (finding,) = findings_for(make_snapshot([group(permissions)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
    assert finding.resource_arn.endswith("security-group/sg-0123")


def test_group_ids_name_the_evidence() -> None:
    (finding,) = findings_for(make_snapshot([group([rule("tcp", 22, 22, "0.0.0.0/0")])]), CHECK)
    assert finding.status_reason.startswith("sg-0123 admits SSH")
    assert finding.evidence["exposures"][0]["rule"] == "tcp 22-22"
