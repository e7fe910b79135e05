from __future__ import annotations

from typing import Any

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "vpc_default_security_group_restricts_traffic"
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
SELF_IN = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0def1"}]}]


def group(gid: str, name: str, inbound: list[Any], outbound: list[Any]) -> Any:
    arn = f"arn:aws:ec2:us-east-1:123456789012:security-group/{gid}"
    data = {
        "GroupId": gid,
        "GroupName": name,
        "VpcId": "vpc-01",
        "IpPermissions": inbound,
        "IpPermissionsEgress": outbound,
    }
    return make_resource("AWS::EC2::SecurityGroup", arn, data)


def test_default_group_as_aws_creates_it_fails() -> None:
    (finding,) = findings_for(
        make_snapshot([group("sg-0def1", "default", SELF_IN, ALL_OUT)]), CHECK
    )
    assert finding.status is Status.FAIL
    assert finding.status_reason == (
        "default security group sg-0def1 of vpc-01 has 1 inbound and 1 outbound rule(s)"
    )


def test_outbound_rules_alone_fail() -> None:
    (finding,) = findings_for(make_snapshot([group("sg-0def1", "default", [], ALL_OUT)]), CHECK)
    assert finding.status is Status.FAIL


def test_emptied_default_group_passes_and_other_groups_are_ignored() -> None:
    snap = make_snapshot(
        [group("sg-0def2", "default", [], []), group("sg-0web", "web", SELF_IN, ALL_OUT)]
    )
    (finding,) = findings_for(snap, CHECK)
    assert finding.status is Status.PASS
    assert finding.resource_arn.endswith("sg-0def2")
