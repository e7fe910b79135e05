from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SECURITY_GROUP
from cloudwarden.checks.builtin.ec2._exposure import world_openings
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Security groups do not admit all ports or all protocols from the internet",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=SECURITY_GROUP,
    wa=("SEC05-BP02", "SEC06-BP02"),
    cis=("6.3", "6.4"),
    permissions=("ec2:DescribeSecurityGroups",),
    remediation=Remediation(
        text=(
            "A permission that admits every protocol, or every TCP or UDP port, from the "
            "internet exposes every service the instance runs, including ones nobody meant "
            "to publish. Replace it with permissions for the specific ports the workload "
            "serves."
        ),
        console=(
            "VPC console > Security groups > <group> > Inbound rules > Edit inbound rules: "
            "replace the 'All traffic' (or 0-65535) rule from 0.0.0.0/0 or ::/0 with "
            "rules for the ports you serve."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
            "'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    ),
)
def vpc_security_group_all_ports_restricted(ctx: CheckContext) -> Results:
    """No ingress permission from ``0.0.0.0/0`` or ``::/0`` covers every port.

    That is a permission with ``IpProtocol`` ``-1`` (all protocols and ports), or a TCP
    or UDP permission whose port range spans 0/1 to 65535 (or has no range). The
    check looks only at sources that are the whole internet: "all traffic from this
    other security group" is the normal way to let tiers talk and is not flagged.
    """
    for group in ctx.resources():
        wide = [o for o in world_openings(group.data.get("IpPermissions", [])) if o.all_ports]
        if wide:
            rules = "; ".join(f"{o.rule()} from {o.cidr}" for o in wide)
            yield ctx.failed(
                group,
                f"{group.id} admits every port from the internet via ingress rule {rules}",
                rules=[{"rule": o.rule(), "cidr": o.cidr} for o in wide],
            )
        else:
            yield ctx.passed(
                group, f"{group.id} has no ingress rule opening all ports to 0.0.0.0/0 or ::/0"
            )
