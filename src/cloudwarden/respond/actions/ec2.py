"""EC2 containment of a compromised instance: cut its role, tag it, stop it.

These follow AWS's EC2-compromise playbook, forensic path: never terminate (the
disks and memory are evidence), take away the instance role so stolen credentials
stop being renewed, and mark the instance so that people and automation leave it
alone. Network isolation is :mod:`cloudwarden.respond.actions.ec2_quarantine`,
disk evidence (snapshots) :mod:`cloudwarden.respond.actions.ec2_forensics`; this
module also holds what they share (finding the instance, its exemption tag).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._regional import REGION, region_of
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    exemption,
    mutate,
    read,
    tag_map,
)

INSTANCE = ParamSpec("instance_id", str, required=True, help="EC2 instance id (i-...)")


def describe_instance(aws: AwsContext, instance_id: str, region: str) -> dict[str, Any]:
    resp = read(aws, "ec2", "DescribeInstances", region, InstanceIds=[instance_id])
    for reservation in resp.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            if instance.get("InstanceId") == instance_id:
                return dict(instance)
    raise ActionError.not_found(f"instance {instance_id} not found in {region}")


def instance_target(aws: AwsContext, instance: Mapping[str, Any], region: str) -> Target:
    owner = aws.account_id or str(instance.get("OwnerId", ""))
    arn = f"arn:aws:ec2:{region}:{owner}:instance/{instance['InstanceId']}"
    return Target(aws.account_id, region, arn)


def instance_exemption(instance: Mapping[str, Any]) -> str | None:
    return exemption(instance.get("Tags"), f"instance {instance['InstanceId']}")


class InstanceAction(Action):
    """An action on one instance: locate it, read it, honour its exemption tag."""

    params: tuple[ParamSpec, ...] = (INSTANCE, REGION)

    def instance(self, aws: AwsContext, params: Mapping[str, Any]) -> tuple[dict[str, Any], Target]:
        region = region_of(aws, params)
        instance = describe_instance(aws, str(params["instance_id"]), region)
        return instance, instance_target(aws, instance, region)


# --- instance role -------------------------------------------------------------------


def _profile_state(aws: AwsContext, instance_id: str, region: str) -> dict[str, Any]:
    resp = read(
        aws,
        "ec2",
        "DescribeIamInstanceProfileAssociations",
        region,
        Filters=[{"Name": "instance-id", "Values": [instance_id]}],
    )
    live = [
        a
        for a in resp.get("IamInstanceProfileAssociations", [])
        if a.get("State") in ("associated", "associating")
    ]
    if not live:
        return {"association_id": None, "instance_profile_arn": None}
    return {
        "association_id": live[0]["AssociationId"],
        "instance_profile_arn": live[0]["IamInstanceProfile"]["Arn"],
    }


@action
class DetachInstanceProfileAction(InstanceAction):
    """Disassociate the instance profile, so the instance gets no more role credentials.

    Credentials the instance (or a thief) already fetched from IMDS stay valid until
    they expire (at most a few hours); revoke the role's older sessions
    (``iam.revoke_sessions``) to cut those too. Rollback associates the same profile
    again, which needs ``iam:PassRole`` on its role.
    """

    name = "ec2.detach_instance_profile"
    description = "Remove an instance's IAM instance profile (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "ec2:DescribeInstances",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:AssociateIamInstanceProfile",
        "iam:PassRole",
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        instance, target = self.instance(aws, p)
        state = _profile_state(aws, str(p["instance_id"]), target.region)
        calls = []
        if state["association_id"]:
            calls.append(
                mutate(
                    "ec2",
                    "DisassociateIamInstanceProfile",
                    target.region,
                    AssociationId=state["association_id"],
                )
            )
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"remove instance profile {state['instance_profile_arn']} from {p['instance_id']}",
            exempt=instance_exemption(instance),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _profile_state(aws, str(params["instance_id"]), target.region)

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        arn = result.undo["before"]["instance_profile_arn"]
        return (
            mutate(
                "ec2",
                "AssociateIamInstanceProfile",
                result.target.region,
                IamInstanceProfile={"Arn": arn},
                InstanceId=result.undo["params"]["instance_id"],
            ),
        )


# --- tags ----------------------------------------------------------------------------


def _tag_state(instance: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    tags = tag_map(instance.get("Tags"))
    return {"tags": {k: tags.get(k) for k in sorted(keys)}}


@action
class TagInstanceAction(InstanceAction):
    """Set tags on an instance (``cloudwarden:quarantine``, the incident id, ...).

    Tags tell responders and automation what happened and keep, for example, a
    cleanup job from terminating evidence. Rollback puts back the previous value of
    each key and deletes the keys the action added.
    """

    name = "ec2.tag_instance"
    description = "Tag an instance (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = ("ec2:DescribeInstances", "ec2:CreateTags", "ec2:DeleteTags")
    params = (
        INSTANCE,
        ParamSpec("tags", dict, required=True, help="tag key -> value"),
        REGION,
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        wanted = {str(k): str(v) for k, v in p["tags"].items()}
        instance, target = self.instance(aws, p)
        state = _tag_state(instance, list(wanted))
        changed = {k: v for k, v in wanted.items() if state["tags"][k] != v}
        calls = []
        if changed:
            calls.append(
                mutate(
                    "ec2",
                    "CreateTags",
                    target.region,
                    Resources=[p["instance_id"]],
                    Tags=[{"Key": k, "Value": v} for k, v in sorted(changed.items())],
                )
            )
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"tag {p['instance_id']} with {', '.join(f'{k}={v}' for k, v in wanted.items())}",
            exempt=instance_exemption(instance),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        instance = describe_instance(aws, str(params["instance_id"]), target.region)
        return _tag_state(instance, [str(k) for k in params["tags"]])

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        previous: Mapping[str, str | None] = result.undo["before"]["tags"]
        instance_id = result.undo["params"]["instance_id"]
        region = result.target.region
        calls = []
        restore = {k: v for k, v in previous.items() if v is not None}
        added = sorted(k for k, v in previous.items() if v is None)
        if restore:
            tags = [{"Key": k, "Value": v} for k, v in sorted(restore.items())]
            calls.append(mutate("ec2", "CreateTags", region, Resources=[instance_id], Tags=tags))
        if added:
            tags = [{"Key": k} for k in added]
            calls.append(mutate("ec2", "DeleteTags", region, Resources=[instance_id], Tags=tags))
        return tuple(calls)


# --- stop ----------------------------------------------------------------------------


def _run_state(instance: Mapping[str, Any]) -> dict[str, Any]:
    return {"state": (instance.get("State") or {}).get("Name")}


@action
class StopInstanceAction(InstanceAction):
    """Stop an instance: its processes end, its EBS disks and its identity stay.

    Stopping loses memory evidence, so AWS's forensic path captures memory (and
    snapshots) first; for crypto-mining it is the quick way to stop the cost. An
    instance store (ephemeral) disk is wiped by a stop. Rollback starts it again.
    """

    name = "ec2.stop_instance"
    description = "Stop an instance (reversible: start it again)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = ("ec2:DescribeInstances", "ec2:StopInstances", "ec2:StartInstances")

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        instance, target = self.instance(aws, p)
        state = _run_state(instance)
        if state["state"] in ("shutting-down", "terminated"):
            raise ActionError(f"{self.name}: instance {p['instance_id']} is {state['state']}")
        calls = []
        if state["state"] not in ("stopping", "stopped"):
            calls.append(
                mutate("ec2", "StopInstances", target.region, InstanceIds=[p["instance_id"]])
            )
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"stop instance {p['instance_id']}",
            exempt=instance_exemption(instance),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _run_state(describe_instance(aws, str(params["instance_id"]), target.region))

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        instance_id = result.undo["params"]["instance_id"]
        return (mutate("ec2", "StartInstances", result.target.region, InstanceIds=[instance_id]),)
