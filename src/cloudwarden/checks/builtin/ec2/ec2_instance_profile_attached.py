from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import INSTANCE, live_instances
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="EC2 instances use an IAM instance profile for AWS access",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type=INSTANCE,
    wa=("SEC02-BP02",),
    cis=("2.16",),
    permissions=("ec2:DescribeInstances",),
    remediation=Remediation(
        text=(
            "An instance profile gives software on the instance short-lived, automatically "
            "rotated credentials for a role. Without one, code that calls AWS ends up with "
            "long-term access keys on disk or in user data. Attach a profile whose role "
            "grants only what the workload needs (a role with no policies is fine for "
            "instances that call nothing)."
        ),
        console=(
            "EC2 console > Instances > <instance> > Actions > Security > Modify IAM role: "
            "choose a role."
        ),
        cli=(
            "aws ec2 associate-iam-instance-profile --instance-id <instance-id> "
            "--iam-instance-profile Name=<instance-profile-name>"
        ),
        url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    ),
)
def ec2_instance_profile_attached(ctx: CheckContext) -> Results:
    """The instance has an ``IamInstanceProfile`` associated (CIS 2.16).

    The profile is what lets the instance obtain temporary role credentials from the
    metadata service; its absence is the usual reason access keys get copied onto
    servers. Terminated instances are skipped.
    """
    for instance in live_instances(ctx):
        profile = instance.data.get("IamInstanceProfile") or {}
        arn = profile.get("Arn")
        if arn:
            yield ctx.passed(instance, f"{instance.id} uses instance profile {arn}")
        else:
            yield ctx.failed(instance, f"{instance.id} has no IAM instance profile associated")
