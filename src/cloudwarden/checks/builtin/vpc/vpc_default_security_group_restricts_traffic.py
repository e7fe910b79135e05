from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SECURITY_GROUP
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="The default security group of every VPC has no inbound and no outbound rules",
    severity=Severity.MEDIUM,
    area=Area.INFRASTRUCTURE,
    resource_type=SECURITY_GROUP,
    wa=("SEC05-BP02",),
    cis=("6.5",),
    permissions=("ec2:DescribeSecurityGroups",),
    remediation=Remediation(
        text=(
            "Anything launched without an explicit security group lands in the VPC's default "
            "group, which AWS creates allowing all traffic between its members and all "
            "outbound traffic. Empty it so that forgetting to choose a group fails closed, "
            "and give workloads purpose-built groups."
        ),
        console=(
            "VPC console > Security groups > the group named 'default' > Inbound rules and "
            "Outbound rules > Edit: delete every rule."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <default-sg-id> "
            "--security-group-rule-ids <sgr-id> && aws ec2 revoke-security-group-egress "
            "--group-id <default-sg-id> --security-group-rule-ids <sgr-id>"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",
    ),
)
def vpc_default_security_group_restricts_traffic(ctx: CheckContext) -> Results:
    """Each VPC's default security group (``GroupName`` ``default``) has no rules at all.

    The default group cannot be deleted. AWS creates it with an inbound rule admitting
    its own members and an outbound rule allowing everything; CIS 6.5 asks for both
    lists to be empty, so that resources placed in it by omission can talk to nothing.
    Only default groups are assessed.
    """
    for group in ctx.resources():
        if group.data.get("GroupName") != "default":
            continue
        inbound = len(group.data.get("IpPermissions") or [])
        outbound = len(group.data.get("IpPermissionsEgress") or [])
        vpc = group.data.get("VpcId", "")
        if inbound or outbound:
            yield ctx.failed(
                group,
                f"default security group {group.id} of {vpc} has {inbound} inbound and "
                f"{outbound} outbound rule(s)",
            )
        else:
            yield ctx.passed(group, f"default security group {group.id} of {vpc} has no rules")
