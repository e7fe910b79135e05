from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SUBNET
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Subnets do not assign public IPv4 addresses automatically",
    severity=Severity.LOW,
    area=Area.INFRASTRUCTURE,
    resource_type=SUBNET,
    wa=("SEC05-BP01",),
    permissions=("ec2:DescribeSubnets",),
    remediation=Remediation(
        text=(
            "With MapPublicIpOnLaunch on, every instance launched into the subnet gets a "
            "public address unless the launcher opts out, so a workload meant to be private "
            "becomes reachable by default. Turn it off and request a public address "
            "explicitly (--associate-public-ip-address) for the few instances that need one."
        ),
        console=(
            "VPC console > Subnets > <subnet> > Actions > Edit subnet settings: clear "
            "'Enable auto-assign public IPv4 address'."
        ),
        cli="aws ec2 modify-subnet-attribute --subnet-id <subnet-id> --no-map-public-ip-on-launch",
        url="https://docs.aws.amazon.com/vpc/latest/userguide/modify-subnets.html",
    ),
)
def vpc_subnet_no_auto_public_ip(ctx: CheckContext) -> Results:
    """The subnet's ``MapPublicIpOnLaunch`` is false.

    Public subnets by design are flagged too, at low severity: what they legitimately
    host (load balancers, NAT gateways) gets public addresses by other means, so
    automatic assignment only serves instances launched there — and makes being
    public the default instead of a decision. AWS creates default subnets with the
    setting on, so default VPCs fail this check until it is turned off.
    """
    for subnet in ctx.resources():
        where = (
            f"{subnet.id} ({subnet.data.get('CidrBlock', '')} in {subnet.data.get('VpcId', '')})"
        )
        if subnet.data.get("MapPublicIpOnLaunch"):
            default = ", a default subnet," if subnet.data.get("DefaultForAz") else ""
            yield ctx.failed(subnet, f"subnet {where}{default} has MapPublicIpOnLaunch enabled")
        else:
            yield ctx.passed(subnet, f"subnet {where} does not auto-assign public IPv4 addresses")
