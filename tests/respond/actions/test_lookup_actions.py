"""``ec2.find_network_interface``: what a flow-log alert names (an interface, an address)
turned into the instance and security groups a playbook acts on, with Describe calls only."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.respond.actions import get_action
from cloudwarden.respond.actions.ec2_lookup import private_addresses

REGION = "us-east-1"
FIND = "ec2.find_network_interface"


def _host(env: Any, cidr: str) -> dict[str, str]:
    """An instance in its own VPC behind one world-open and one internal group."""
    ec2 = env.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.1.0/24")["Subnet"]["SubnetId"]
    open_group = ec2.create_security_group(GroupName=env.name("ssh"), Description="o", VpcId=vpc)
    inner = ec2.create_security_group(GroupName=env.name("in"), Description="i", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=open_group["GroupId"], IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    nic = {
        "DeviceIndex": 0,
        "SubnetId": subnet,
        "Groups": [inner["GroupId"], open_group["GroupId"]],
    }
    instance = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, NetworkInterfaces=[nic]
    )["Instances"][0]
    eni = instance["NetworkInterfaces"][0]
    return {
        "instance": instance["InstanceId"],
        "eni": eni["NetworkInterfaceId"],
        "ip": eni["PrivateIpAddress"],
        "open": open_group["GroupId"],
        "inner": inner["GroupId"],
        "vpc": vpc,
    }


def test_private_addresses_keep_what_can_be_an_interface_in_a_vpc() -> None:
    given = ["203.0.113.7", "10.20.1.4", "", "not-an-ip", "100.64.3.2", "10.20.1.4", "127.0.0.1"]
    assert private_addresses(given) == ["10.20.1.4", "100.64.3.2"]


@pytest.mark.parametrize("by", ["eni", "ip"])
def test_finds_the_instance_and_its_world_open_group(env: Any, by: str) -> None:
    host = _host(env, "10.51" if by == "eni" else "10.52")
    params: dict[str, Any] = (
        {"network_interface_id": host["eni"]}
        if by == "eni"
        else {"private_ips": ["198.51.100.9", host["ip"]]}  # a flow's public peer is ignored
    )
    env.recorder.clear()
    plan = get_action(FIND).plan(env.aws, {**params, "regions": [REGION]})

    assert plan.noop and plan.calls == () and plan.mutating_calls == ()
    found = plan.before
    assert found["found"] is True
    assert found["instance_id"] == host["instance"]
    assert found["network_interface_id"] == host["eni"]
    assert set(found["security_group_ids"]) == {host["open"], host["inner"]}
    assert found["world_open_group_ids"] == [host["open"]]
    assert (found["region"], found["vpc_id"]) == (REGION, host["vpc"])
    operations = {op for _service, op in env.recorder.calls}
    assert operations == {"DescribeNetworkInterfaces", "DescribeSecurityGroups"}
    assert env.recorder.mutating == []


def test_an_address_nobody_has_finds_nothing_and_says_so(env: Any) -> None:
    env.recorder.clear()
    plan = get_action(FIND).plan(env.aws, {"private_ips": "10.253.9.9", "regions": [REGION]})
    assert plan.noop and plan.before["found"] is False and plan.before["instance_id"] is None
    assert "10.253.9.9" in plan.summary and "no interface matches" in plan.summary
    assert env.recorder.mutating == []


def test_an_unknown_interface_id_finds_nothing(env: Any) -> None:
    plan = get_action(FIND).plan(env.aws, {"network_interface_id": "eni-0123456789abcdef0"})
    assert plan.noop and plan.before["found"] is False


def test_two_matching_interfaces_are_ambiguous_not_a_guess(env: Any) -> None:
    one, two = _host(env, "10.53"), _host(env, "10.54")
    plan = get_action(FIND).plan(env.aws, {"private_ips": [one["ip"], two["ip"]]})
    assert plan.before["found"] is False and plan.before["instance_id"] is None
    assert "2 interfaces match" in plan.summary


def test_nothing_to_look_up_makes_no_call(env: Any) -> None:
    env.recorder.clear()
    plan = get_action(FIND).plan(env.aws, {"private_ips": ["", "203.0.113.1"]})
    assert plan.before["found"] is False
    assert "names no network interface or private address" in plan.summary
    assert env.recorder.calls == []


def test_apply_changes_nothing_and_answers_what_the_plan_found(env: Any) -> None:
    host = _host(env, "10.55")
    action = get_action(FIND)
    plan = action.plan(env.aws, {"network_interface_id": host["eni"]})
    env.recorder.clear()
    result = action.apply(env.aws, plan)
    assert result.calls == () and env.recorder.calls == []
    assert result.outputs["instance_id"] == host["instance"]
    assert action.read_only and not action.reversible
