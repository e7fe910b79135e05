from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import IMAGE, detail_error
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="AMIs owned by the account are not public",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=IMAGE,
    wa=("SEC03-BP07", "SEC06-BP02"),
    permissions=("ec2:DescribeImages", "ec2:DescribeImageAttribute"),
    remediation=Remediation(
        text=(
            "Anyone can launch a public AMI and read its disks: application code, "
            "configuration, keys baked in during the build. Make the image private and "
            "share it with named accounts or your organisation instead; turn on block "
            "public access for AMIs."
        ),
        console=("EC2 console > AMIs > <image> > Actions > Edit AMI permissions: choose Private."),
        cli=(
            "aws ec2 modify-image-attribute --image-id <ami-id> "
            "--launch-permission 'Remove=[{Group=all}]'"
        ),
        url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html",
    ),
)
def ec2_ami_not_public(ctx: CheckContext) -> Results:
    """The image's ``Public`` flag is false and no launch permission names the group ``all``.

    ``DescribeImages`` reports ``Public`` itself; the launch permissions are read too, so
    that a snapshot whose listing omits the flag is still judged.
    """
    for image in ctx.resources():
        perms = image.data.get("LaunchPermissions")
        public_flag = image.data.get("Public") is True
        public_perm = any(p.get("Group") == "all" for p in perms or [])
        if public_flag or public_perm:
            why = "Public is true" if public_flag else "launch permission group 'all'"
            yield ctx.failed(image, f"AMI {image.id} ({image.name}) is public: {why}")
            continue
        error = detail_error(image, "LaunchPermissions")
        if perms is None and "Public" not in image.data:
            yield ctx.not_assessed(image, f"sharing of AMI {image.id} unknown: {error}")
        else:
            yield ctx.passed(image, f"AMI {image.id} ({image.name}) is not public")
