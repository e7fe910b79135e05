"""EC2 containment actions against the lab: quarantine, instance profile, snapshots, tags, stop.

Each test builds its own VPC so that the per-VPC quarantine group starts absent.
Instances are launched with explicit network interfaces: moto reports the groups
given at launch as ``SecurityGroupIds`` on every interface whatever the interface's
own groups are, so only this launch shape shows per-interface changes as AWS does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.actions.ec2_quarantine import QUARANTINE_GROUP

AMI = "ami-12c6146b"  # one of moto's built-in images


@dataclass
class Host:
    instance_id: str
    vpc_id: str


def _host(env: Any, *, tags: dict[str, str] | None = None, second_eni: bool = False) -> Host:
    ec2 = env.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    web = ec2.create_security_group(GroupName=env.name("web"), Description="web", VpcId=vpc)
    ssh = ec2.create_security_group(GroupName=env.name("ssh"), Description="ssh", VpcId=vpc)
    spec: dict[str, Any] = {}
    if tags:
        spec["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    interfaces = [
        {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web["GroupId"], ssh["GroupId"]]}
    ]
    if second_eni:
        interfaces.append({"DeviceIndex": 1, "SubnetId": subnet, "Groups": [ssh["GroupId"]]})
    instance = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=interfaces, **spec
    )["Instances"][0]
    iid = instance["InstanceId"]
    return Host(iid, vpc)


def _instance(env: Any, instance_id: str) -> dict[str, Any]:
    resp = env.client("ec2").describe_instances(InstanceIds=[instance_id])
    return dict(resp["Reservations"][0]["Instances"][0])


def _groups_per_eni(env: Any, instance_id: str) -> dict[str, list[str]]:
    return {
        e["NetworkInterfaceId"]: sorted(g["GroupId"] for g in e["Groups"])
        for e in _instance(env, instance_id)["NetworkInterfaces"]
    }


def _quarantine_group(env: Any, vpc_id: str) -> dict[str, Any] | None:
    groups = env.client("ec2").describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": [QUARANTINE_GROUP]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    )["SecurityGroups"]
    return dict(groups[0]) if groups else None


# --- quarantine ------------------------------------------------------------------------


def test_quarantine_creates_an_empty_group_and_moves_every_eni(env: Any) -> None:
    host = _host(env, second_eni=True)
    before = _groups_per_eni(env, host.instance_id)
    assert len(before) == 2
    action = get_action("ec2.quarantine_instance")

    plan = action.plan(env.aws, {"instance_id": host.instance_id})
    assert [c.operation for c in plan.calls] == [
        "CreateSecurityGroup",
        "RevokeSecurityGroupEgress",
        "ModifyNetworkInterfaceAttribute",
        "ModifyNetworkInterfaceAttribute",
    ]
    assert env.recorder.mutating == []
    assert _quarantine_group(env, host.vpc_id) is None  # planning created nothing

    result = action.apply(env.aws, plan)
    group = _quarantine_group(env, host.vpc_id)
    assert group is not None
    assert group["IpPermissions"] == [] and group["IpPermissionsEgress"] == []
    assert list(_groups_per_eni(env, host.instance_id).values()) == [[group["GroupId"]]] * 2
    # the journal names the group created during apply, not the plan's placeholder
    assert all(group["GroupId"] in json.dumps(c.params) for c in result.calls[1:])
    assert result.outputs == {"quarantine_groups": {host.vpc_id: group["GroupId"]}}

    again = action.plan(env.aws, {"instance_id": host.instance_id})
    assert again.noop and again.calls == ()

    action.rollback(env.aws, result)
    assert _groups_per_eni(env, host.instance_id) == before
    assert _quarantine_group(env, host.vpc_id) is not None  # kept for the next incident


def test_quarantine_reuses_the_group_and_empties_it_if_rules_were_added(env: Any) -> None:
    host = _host(env)
    action = get_action("ec2.quarantine_instance")
    action.apply(env.aws, action.plan(env.aws, {"instance_id": host.instance_id}))
    group = _quarantine_group(env, host.vpc_id)
    assert group is not None
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    env.client("ec2").authorize_security_group_ingress(
        GroupId=group["GroupId"], IpPermissions=[ssh]
    )

    plan = action.plan(env.aws, {"instance_id": host.instance_id})
    assert [c.operation for c in plan.calls] == ["RevokeSecurityGroupIngress"]
    assert plan.calls[0].params["GroupId"] == group["GroupId"]
    action.apply(env.aws, plan)
    emptied = _quarantine_group(env, host.vpc_id)
    assert emptied is not None and emptied["IpPermissions"] == []


def test_quarantine_refuses_an_exempt_instance(env: Any) -> None:
    host = _host(env, tags={"cloudwarden:exempt": "true"})
    plan = get_action("ec2.quarantine_instance").plan(env.aws, {"instance_id": host.instance_id})
    assert plan.exempt == f"instance {host.instance_id} is tagged cloudwarden:exempt=true"
    assert plan.calls == ()
    assert _quarantine_group(env, host.vpc_id) is None


# --- instance profile -------------------------------------------------------------------


def _profile(env: Any) -> str:
    iam = env.client("iam")
    role = env.name("app-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    name = env.name("app-profile")
    arn = str(iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Arn"])
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)
    return arn


def _associated(env: Any, instance_id: str) -> list[str]:
    resp = env.client("ec2").describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}]
    )
    return [
        a["IamInstanceProfile"]["Arn"]
        for a in resp["IamInstanceProfileAssociations"]
        if a["State"] == "associated"
    ]


def test_detach_instance_profile_plan_apply_noop_rollback(env: Any) -> None:
    host = _host(env)
    arn = _profile(env)
    env.client("ec2").associate_iam_instance_profile(
        IamInstanceProfile={"Arn": arn}, InstanceId=host.instance_id
    )
    action = get_action("ec2.detach_instance_profile")

    plan = action.plan(env.aws, {"instance_id": host.instance_id})
    assert [c.operation for c in plan.calls] == ["DisassociateIamInstanceProfile"]
    assert plan.before["instance_profile_arn"] == arn
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _associated(env, host.instance_id) == []
    assert action.plan(env.aws, {"instance_id": host.instance_id}).noop

    action.rollback(env.aws, result)
    assert _associated(env, host.instance_id) == [arn]


def test_detach_instance_profile_refuses_an_exempt_instance(env: Any) -> None:
    host = _host(env, tags={"cloudwarden:exempt": "true"})
    arn = _profile(env)
    env.client("ec2").associate_iam_instance_profile(
        IamInstanceProfile={"Arn": arn}, InstanceId=host.instance_id
    )
    plan = get_action("ec2.detach_instance_profile").plan(
        env.aws, {"instance_id": host.instance_id}
    )
    assert plan.exempt and plan.calls == ()
    assert _associated(env, host.instance_id) == [arn]


# --- snapshots ---------------------------------------------------------------------------


def _evidence(env: Any, instance_id: str) -> list[dict[str, Any]]:
    return list(
        env.client("ec2").describe_snapshots(
            OwnerIds=["self"],
            Filters=[{"Name": "tag:cloudwarden:evidence-of", "Values": [instance_id]}],
        )["Snapshots"]
    )


def test_snapshot_volumes_one_per_volume_tagged_idempotent_and_kept(env: Any) -> None:
    host = _host(env)
    ec2 = env.client("ec2")
    zone = _instance(env, host.instance_id)["Placement"]["AvailabilityZone"]
    volume = ec2.create_volume(AvailabilityZone=zone, Size=4)["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=host.instance_id, Device="/dev/sdf")
    action = get_action("ec2.snapshot_volumes")
    params = {"instance_id": host.instance_id, "incident": "IR-42"}

    plan = action.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["CreateSnapshot", "CreateSnapshot"]
    assert env.recorder.mutating == []
    assert _evidence(env, host.instance_id) == []

    result = action.apply(env.aws, plan)
    snaps = _evidence(env, host.instance_id)
    assert sorted(s["SnapshotId"] for s in snaps) == sorted(result.outputs["snapshot_ids"])
    assert {s["VolumeId"] for s in snaps} == set(plan.before["volumes"])
    tags = {t["Key"]: t["Value"] for t in snaps[0]["Tags"]}
    assert tags["cloudwarden:incident"] == "IR-42"
    assert action.plan(env.aws, params).noop
    assert not action.plan(env.aws, {**params, "incident": "IR-43"}).noop

    undone = action.rollback(env.aws, result)
    assert undone.calls == () and "evidence" in undone.after["note"]
    assert len(_evidence(env, host.instance_id)) == 2


def test_snapshot_volumes_refuses_an_exempt_instance(env: Any) -> None:
    host = _host(env, tags={"cloudwarden:exempt": "true"})
    plan = get_action("ec2.snapshot_volumes").plan(env.aws, {"instance_id": host.instance_id})
    assert plan.exempt and plan.calls == ()


# --- tags ------------------------------------------------------------------------------


def _tags(env: Any, instance_id: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in _instance(env, instance_id).get("Tags", [])}


def test_tag_instance_sets_tags_and_rollback_restores_or_removes_them(env: Any) -> None:
    host = _host(env, tags={"Name": "web-1", "owner": "team-a"})
    action = get_action("ec2.tag_instance")
    params = {
        "instance_id": host.instance_id,
        "tags": {"cloudwarden:quarantine": "IR-42", "owner": "security", "Name": "web-1"},
    }

    plan = action.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["CreateTags"]
    assert plan.calls[0].params["Tags"] == [
        {"Key": "cloudwarden:quarantine", "Value": "IR-42"},
        {"Key": "owner", "Value": "security"},
    ]
    assert plan.before == {
        "tags": {"Name": "web-1", "cloudwarden:quarantine": None, "owner": "team-a"}
    }

    result = action.apply(env.aws, plan)
    tags = _tags(env, host.instance_id)
    assert tags["cloudwarden:quarantine"] == "IR-42" and tags["owner"] == "security"
    assert action.plan(env.aws, params).noop

    action.rollback(env.aws, result)
    assert _tags(env, host.instance_id) == {"Name": "web-1", "owner": "team-a"}


def test_tag_instance_refuses_an_exempt_instance(env: Any) -> None:
    host = _host(env, tags={"cloudwarden:exempt": "true"})
    plan = get_action("ec2.tag_instance").plan(
        env.aws, {"instance_id": host.instance_id, "tags": {"a": "b"}}
    )
    assert plan.exempt and plan.calls == ()
    assert "a" not in _tags(env, host.instance_id)


def test_tag_instance_checks_its_parameters(env: Any) -> None:
    with pytest.raises(ActionError, match="missing parameter 'tags'"):
        get_action("ec2.tag_instance").plan(env.aws, {"instance_id": "i-0123456789abcdef0"})


# --- stop -------------------------------------------------------------------------------


def _state(env: Any, instance_id: str) -> str:
    return str(_instance(env, instance_id)["State"]["Name"])


def test_stop_instance_plan_apply_noop_rollback(env: Any) -> None:
    host = _host(env)
    action = get_action("ec2.stop_instance")

    plan = action.plan(env.aws, {"instance_id": host.instance_id})
    assert [c.operation for c in plan.calls] == ["StopInstances"]
    assert plan.before == {"state": "running"}
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _state(env, host.instance_id) == "stopped"
    assert action.plan(env.aws, {"instance_id": host.instance_id}).noop

    action.rollback(env.aws, result)
    assert _state(env, host.instance_id) == "running"


def test_stop_instance_refuses_an_exempt_instance(env: Any) -> None:
    host = _host(env, tags={"cloudwarden:exempt": "true"})
    plan = get_action("ec2.stop_instance").plan(env.aws, {"instance_id": host.instance_id})
    assert plan.exempt and plan.calls == ()
    assert _state(env, host.instance_id) == "running"


def test_a_terminated_instance_cannot_be_stopped(env: Any) -> None:
    host = _host(env)
    env.client("ec2").terminate_instances(InstanceIds=[host.instance_id])
    with pytest.raises(ActionError, match="terminated"):
        get_action("ec2.stop_instance").plan(env.aws, {"instance_id": host.instance_id})


def test_a_missing_instance_is_one_clear_error(env: Any) -> None:
    with pytest.raises(ActionError, match=r"InvalidInstanceID"):
        get_action("ec2.quarantine_instance").plan(env.aws, {"instance_id": "i-0000000000000000f"})
