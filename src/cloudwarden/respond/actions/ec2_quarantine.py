"""Network isolation of a compromised instance: a quarantine security group on every ENI.

AWS's EC2-compromise playbook isolates the instance with a security group that
allows no traffic at all, applied to each network interface (security groups
belong to interfaces; ``ModifyInstanceAttribute`` cannot address an instance
with more than one), and journals every interface's previous groups so that the
isolation can be lifted exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions.base import (
    ActionPlan,
    ActionResult,
    ApiCall,
    Phase,
    Target,
    action,
    execute,
    jsonable,
    mutate,
    read,
)
from cloudwarden.respond.actions.ec2 import InstanceAction, describe_instance, instance_exemption
from cloudwarden.respond.actions.security_groups import without_descriptions

QUARANTINE_GROUP = "cloudwarden-quarantine"
"""Name of the security group, one per VPC, that cloudwarden isolates instances with."""


def _eni_groups(instance: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each attached network interface: its VPC and its security-group ids, in order."""
    return {
        str(eni["NetworkInterfaceId"]): {
            "vpc_id": eni.get("VpcId") or instance.get("VpcId"),
            "groups": [str(g["GroupId"]) for g in eni.get("Groups", [])],
        }
        for eni in instance.get("NetworkInterfaces", [])
    }


def _quarantine_group(aws: AwsContext, vpc_id: str, region: str) -> dict[str, Any] | None:
    resp = read(
        aws,
        "ec2",
        "DescribeSecurityGroups",
        region,
        Filters=[
            {"Name": "group-name", "Values": [QUARANTINE_GROUP]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ],
    )
    groups = resp.get("SecurityGroups", [])
    return dict(groups[0]) if groups else None


def _placeholder(vpc_id: str) -> str:
    return f"<{QUARANTINE_GROUP} of {vpc_id}>"


def _rule_revocations(group: Mapping[str, Any], region: str) -> list[ApiCall]:
    """Calls that empty an existing quarantine group someone has added rules to."""
    calls = []
    for key, op in (("IpPermissions", "Ingress"), ("IpPermissionsEgress", "Egress")):
        perms = [without_descriptions(p) for p in group.get(key, [])]
        if perms:
            calls.append(
                mutate(
                    "ec2",
                    f"RevokeSecurityGroup{op}",
                    region,
                    GroupId=group["GroupId"],
                    IpPermissions=perms,
                )
            )
    return calls


def _isolation_calls(
    aws: AwsContext, instance: Mapping[str, Any], region: str
) -> tuple[list[ApiCall], dict[str, Any]]:
    """The calls that put every ENI in its VPC's quarantine group, and the groups found."""
    enis = _eni_groups(instance)
    calls: list[ApiCall] = []
    groups: dict[str, str | None] = {}
    for vpc_id in sorted({str(e["vpc_id"]) for e in enis.values()}):
        group = _quarantine_group(aws, vpc_id, region)
        if group is None:
            groups[vpc_id] = None
            calls.append(_create_group(vpc_id, region))
            calls.append(
                mutate(
                    "ec2",
                    "RevokeSecurityGroupEgress",
                    region,
                    GroupId=_placeholder(vpc_id),
                    IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                )
            )
        else:
            groups[vpc_id] = str(group["GroupId"])
            calls.extend(_rule_revocations(group, region))
    for eni_id, eni in enis.items():
        wanted = groups[str(eni["vpc_id"])] or _placeholder(str(eni["vpc_id"]))
        if eni["groups"] != [wanted]:
            calls.append(
                mutate(
                    "ec2",
                    "ModifyNetworkInterfaceAttribute",
                    region,
                    NetworkInterfaceId=eni_id,
                    Groups=[wanted],
                )
            )
    return calls, {"network_interfaces": enis, "quarantine_groups": groups}


def _create_group(vpc_id: str, region: str) -> ApiCall:
    return mutate(
        "ec2",
        "CreateSecurityGroup",
        region,
        GroupName=QUARANTINE_GROUP,
        Description="cloudwarden quarantine: no inbound or outbound traffic",
        VpcId=vpc_id,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [
                    {"Key": "cloudwarden:managed", "Value": "true"},
                    {"Key": "cloudwarden:purpose", "Value": "quarantine"},
                ],
            }
        ],
    )


def _resolve(call: ApiCall, created: Mapping[str, str]) -> ApiCall:
    """``call`` with the placeholders of groups created earlier in this apply filled in."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return created.get(value, value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    params = {k: fill(v) for k, v in call.params.items()}
    return ApiCall(call.service, call.operation, params, call.region, call.mutating)


@action
class QuarantineInstanceAction(InstanceAction):
    """Move every network interface of an instance into a quarantine security group.

    The group (``cloudwarden-quarantine``, one per VPC) is created when absent, with
    no ingress rule and its default allow-all egress rule revoked, so it admits and
    emits nothing; an existing one is emptied if rules were added to it. Security
    groups are stateful: connections already tracked may continue until they idle
    out, which is why AWS pairs isolation with NACL denies when C2 traffic is live.
    Rollback gives each interface back its previous groups; the quarantine group
    stays for the next incident. The result's ``outputs.quarantine_groups`` maps
    each VPC to its quarantine group's id.
    """

    name = "ec2.quarantine_instance"
    description = "Isolate an instance in a no-traffic security group (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "ec2:DescribeInstances",
        "ec2:DescribeSecurityGroups",
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:ModifyNetworkInterfaceAttribute",
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        instance, target = self.instance(aws, p)
        calls, before = _isolation_calls(aws, instance, target.region)
        return self.make_plan(
            target,
            p,
            calls,
            before,
            f"move every network interface of {instance['InstanceId']} into {QUARANTINE_GROUP}",
            exempt=instance_exemption(instance),
        )

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        """The planned calls, with the id of a group created here put in for its placeholder."""
        self._check_plan(plan)
        if plan.noop or not plan.calls:
            return ActionResult(plan.action, plan.target, (), plan.before, plan.before, None)
        created: dict[str, str] = {}
        made: list[ApiCall] = []
        for planned in plan.calls:
            call = _resolve(planned, created)
            response = execute(aws, call)
            made.append(call)
            if call.operation == "CreateSecurityGroup":
                created[_placeholder(str(call.params["VpcId"]))] = str(response["GroupId"])
        after = jsonable(self.observe(aws, plan.target, plan.params))
        undo = {"params": dict(plan.params), "before": jsonable(plan.before)}
        groups = {
            vpc: group_id or created[_placeholder(vpc)]
            for vpc, group_id in plan.before["quarantine_groups"].items()
        }
        return ActionResult(
            plan.action,
            plan.target,
            tuple(made),
            plan.before,
            after,
            undo,
            outputs={"quarantine_groups": groups},
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        instance = describe_instance(aws, str(params["instance_id"]), target.region)
        return {"network_interfaces": _eni_groups(instance)}

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        enis: Mapping[str, Any] = result.undo["before"]["network_interfaces"]
        return tuple(
            mutate(
                "ec2",
                "ModifyNetworkInterfaceAttribute",
                result.target.region,
                NetworkInterfaceId=eni_id,
                Groups=list(eni["groups"]),
            )
            for eni_id, eni in sorted(enis.items())
            if eni["groups"]
        )
