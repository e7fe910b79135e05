from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SNAPSHOT, detail_error
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="EBS snapshots are not publicly restorable",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=SNAPSHOT,
    wa=("SEC03-BP07", "SEC08-BP04"),
    permissions=("ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"),
    remediation=Remediation(
        text=(
            "A snapshot whose createVolumePermission includes the group 'all' can be "
            "copied into any AWS account in the world and mounted, disk contents and all. "
            "Remove the public permission (share with named accounts if needed) and turn on "
            "the account's block public access for snapshots."
        ),
        console=(
            "EC2 console > Snapshots > <snapshot> > Actions > Snapshot settings > Modify "
            "permissions: choose Private."
        ),
        cli=(
            "aws ec2 modify-snapshot-attribute --snapshot-id <snapshot-id> "
            "--attribute createVolumePermission --operation-type remove --group-names all"
        ),
        url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html",
    ),
)
def ec2_ebs_snapshot_not_public(ctx: CheckContext) -> Results:
    """No ``CreateVolumePermissions`` entry of the snapshot names the group ``all``.

    ``all`` is how EC2 writes "every AWS account"; permissions naming specific accounts
    are private sharing and pass. Only snapshots the account owns are assessed.
    """
    for snap in ctx.resources():
        error = detail_error(snap, "CreateVolumePermissions")
        perms = snap.data.get("CreateVolumePermissions")
        if error or perms is None:
            why = error or "createVolumePermission was not collected"
            yield ctx.not_assessed(snap, f"sharing of {snap.id} unknown: {why}")
            continue
        if any(p.get("Group") == "all" for p in perms):
            yield ctx.failed(snap, f"snapshot {snap.id} has createVolumePermission group 'all'")
        else:
            shared = [str(p["UserId"]) for p in perms if p.get("UserId")]
            note = f"; shared with account(s) {', '.join(shared)}" if shared else ""
            yield ctx.passed(snap, f"snapshot {snap.id} is not public{note}")
