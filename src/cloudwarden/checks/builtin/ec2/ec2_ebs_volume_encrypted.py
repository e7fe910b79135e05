from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import VOLUME
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="EBS volumes are encrypted",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=VOLUME,
    wa=("SEC08-BP02",),
    permissions=("ec2:DescribeVolumes",),
    remediation=Remediation(
        text=(
            "EBS encryption protects the data at rest, in snapshots made from the volume, "
            "and in transit between the instance and the storage, with keys you control in "
            "KMS. An existing volume cannot be encrypted in place: snapshot it, copy the "
            "snapshot with encryption, create a volume from the copy and swap it in. Turn "
            "on EBS encryption by default so new volumes start encrypted."
        ),
        console=(
            "EC2 console > Snapshots > <snapshot of the volume> > Actions > Copy snapshot: "
            "tick Encrypt; then Actions > Create volume from snapshot, and attach it in "
            "place of the old volume."
        ),
        cli=(
            "aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snapshot-id> "
            "--encrypted --kms-key-id <kms-key-id>"
        ),
        url="https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    ),
)
def ec2_ebs_volume_encrypted(ctx: CheckContext) -> Results:
    """The volume's ``Encrypted`` flag is true.

    Encryption is fixed when a volume is created, from its snapshot's encryption, the
    launch request, or the region's EBS-encryption-by-default setting.
    """
    for volume in ctx.resources():
        attached = [a.get("InstanceId") for a in volume.data.get("Attachments") or []]
        where = f" attached to {', '.join(map(str, attached))}" if attached else ""
        if volume.data.get("Encrypted"):
            key = volume.data.get("KmsKeyId", "")
            with_key = f" with {key}" if key else ""
            yield ctx.passed(volume, f"volume {volume.id}{where} is encrypted{with_key}")
        else:
            yield ctx.failed(volume, f"volume {volume.id}{where} is not encrypted")
