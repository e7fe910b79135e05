"""Disk evidence from a compromised instance: one EBS snapshot per attached volume.

AWS's forensic path snapshots the volumes before anything that could change them
(a stop, a rebuild, a cleanup job), tags the snapshots with the incident so that
the chain of custody is in AWS itself, and hands them to a forensic account later.
A snapshot is crash-consistent: it holds what was on disk, not what was in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._regional import REGION
from cloudwarden.respond.actions.base import (
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    execute,
    jsonable,
    mutate,
    read,
)
from cloudwarden.respond.actions.ec2 import (
    INSTANCE,
    InstanceAction,
    describe_instance,
    instance_exemption,
)

EVIDENCE_TAG = "cloudwarden:evidence-of"
"""Tag on a forensic snapshot naming the instance it was taken from."""
INCIDENT_TAG = "cloudwarden:incident"
"""Tag on a forensic snapshot naming the incident (when one is given)."""


def attached_volumes(instance: Mapping[str, Any]) -> list[str]:
    return [
        str(m["Ebs"]["VolumeId"])
        for m in instance.get("BlockDeviceMappings", [])
        if m.get("Ebs", {}).get("VolumeId")
    ]


def _evidence(
    aws: AwsContext, instance_id: str, volumes: Sequence[str], incident: str | None, region: str
) -> dict[str, list[str]]:
    """Forensic snapshots already taken, per volume (for this incident when one is named)."""
    if not volumes:
        return {}
    filters = [
        {"Name": "volume-id", "Values": list(volumes)},
        {"Name": f"tag:{EVIDENCE_TAG}", "Values": [instance_id]},
    ]
    if incident:
        filters.append({"Name": f"tag:{INCIDENT_TAG}", "Values": [incident]})
    resp = read(aws, "ec2", "DescribeSnapshots", region, OwnerIds=["self"], Filters=filters)
    found: dict[str, list[str]] = {v: [] for v in volumes}
    for snap in resp.get("Snapshots", []):
        if snap.get("State") != "error" and snap.get("VolumeId") in found:
            found[str(snap["VolumeId"])].append(str(snap["SnapshotId"]))
    return {v: sorted(ids) for v, ids in found.items()}


def _state(
    aws: AwsContext, instance: Mapping[str, Any], incident: str | None, region: str
) -> dict[str, Any]:
    volumes = attached_volumes(instance)
    instance_id = str(instance["InstanceId"])
    return {
        "volumes": volumes,
        "snapshots": _evidence(aws, instance_id, volumes, incident, region),
    }


def _snapshot_call(instance_id: str, volume_id: str, incident: str | None, region: str) -> ApiCall:
    tags = [
        {"Key": EVIDENCE_TAG, "Value": instance_id},
        {"Key": "cloudwarden:managed", "Value": "true"},
    ]
    if incident:
        tags.append({"Key": INCIDENT_TAG, "Value": incident})
    about = f" for incident {incident}" if incident else ""
    return mutate(
        "ec2",
        "CreateSnapshot",
        region,
        VolumeId=volume_id,
        Description=f"cloudwarden forensic snapshot of {volume_id} on {instance_id}{about}",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": tags}],
    )


@action
class SnapshotVolumesAction(InstanceAction):
    """Snapshot each attached EBS volume of an instance, tagged as incident evidence.

    Idempotent per incident: a volume that already has a snapshot tagged for this
    instance (and this incident, when ``incident`` is given) is not snapshotted
    again. There is nothing to roll back: snapshots are evidence and are deleted,
    if ever, when the retention period ends; rollback says so and changes nothing.
    The snapshot ids are the result's ``outputs.snapshot_ids``.
    """

    name = "ec2.snapshot_volumes"
    description = "Snapshot an instance's EBS volumes for forensics (additive evidence)"
    phase = Phase.CONTAINMENT
    reversible = False
    permissions = (
        "ec2:DescribeInstances",
        "ec2:DescribeSnapshots",
        "ec2:CreateSnapshot",
        "ec2:CreateTags",
    )
    params = (
        INSTANCE,
        ParamSpec("incident", str, help="incident id to tag the snapshots with"),
        REGION,
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        instance, target = self.instance(aws, p)
        incident = p.get("incident")
        state = _state(aws, instance, incident, target.region)
        calls = [
            _snapshot_call(str(p["instance_id"]), volume, incident, target.region)
            for volume in state["volumes"]
            if not state["snapshots"].get(volume)
        ]
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"snapshot {len(calls)} EBS volume(s) of {p['instance_id']}",
            exempt=instance_exemption(instance),
        )

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        self._check_plan(plan)
        if plan.noop or not plan.calls:
            return ActionResult(plan.action, plan.target, (), plan.before, plan.before, None)
        ids = [str(execute(aws, call)["SnapshotId"]) for call in plan.calls]
        after = jsonable(self.observe(aws, plan.target, plan.params))
        return ActionResult(
            plan.action,
            plan.target,
            plan.calls,
            plan.before,
            after,
            None,
            outputs={"snapshot_ids": ids},
        )

    def rollback(self, aws: AwsContext, result: ActionResult) -> ActionResult:
        """Nothing to undo: the snapshots are kept as evidence."""
        after = {
            **result.after,
            "note": "snapshots are forensic evidence and are kept; delete them when "
            "their retention period ends",
        }
        return ActionResult(self.name, result.target, (), result.after, after, None)

    def irreversible_reason(self) -> str:
        return "snapshots are evidence; they are kept, not rolled back"

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        instance = describe_instance(aws, str(params["instance_id"]), target.region)
        return _state(aws, instance, params.get("incident"), target.region)
