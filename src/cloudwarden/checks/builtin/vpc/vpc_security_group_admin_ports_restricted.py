from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SECURITY_GROUP
from cloudwarden.checks.builtin.ec2._exposure import ADMIN_PORTS, exposures, summarize
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Security groups admit no remote-administration port from the internet",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=SECURITY_GROUP,
    wa=("SEC05-BP02", "SEC06-BP05"),
    cis=("6.3", "6.4"),
    permissions=("ec2:DescribeSecurityGroups",),
    remediation=Remediation(
        text=(
            "SSH, RDP and the other remote-administration services are scanned and "
            "brute-forced within minutes of appearing on the internet. Remove ingress rules "
            "that admit them from 0.0.0.0/0 or ::/0; allow only your administration network, "
            "or better, reach instances through AWS Systems Manager Session Manager with no "
            "inbound port at all."
        ),
        console=(
            "VPC console > Security groups > <group> > Inbound rules > Edit inbound rules: "
            "delete the rule whose source is 0.0.0.0/0 or ::/0, or narrow its source."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
            "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    ),
    references=(
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html",
    ),
)
def vpc_security_group_admin_ports_restricted(ctx: CheckContext) -> Results:
    """No ingress permission admits a remote-administration port from the whole internet.

    The ports are SSH (tcp 22), Telnet (tcp 23), RDP (tcp and udp 3389), VNC (tcp 5900)
    and WinRM (tcp 5985/5986): each gives interactive control of a host. A permission
    opens a port when its protocol is ``-1`` (all traffic, every port), or when it is the
    port's protocol and ``FromPort``..``ToPort`` contains the port — so ``tcp 0-65535``
    opens SSH as surely as ``tcp 22``. The source counts as the internet when it is
    ``0.0.0.0/0`` or ``::/0`` (CIS 6.3 and 6.4). Security groups are allow-only, so one
    such permission is enough, whatever else the group says. Sources that are other
    security groups or managed prefix lists are not treated as the internet (prefix
    lists are not expanded).
    """
    for group in ctx.resources():
        found = exposures(group.data.get("IpPermissions", []), ADMIN_PORTS)
        if found:
            yield ctx.failed(
                group,
                f"{group.id} admits {summarize(found)}",
                exposures=[e.evidence() for e in found],
            )
        else:
            yield ctx.passed(
                group, f"{group.id} admits no remote-administration port from 0.0.0.0/0 or ::/0"
            )
