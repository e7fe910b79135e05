from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import SECURITY_GROUP
from cloudwarden.checks.builtin.ec2._exposure import CIFS_PORTS, exposures, summarize
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Security groups admit no CIFS/SMB (tcp 445) traffic from the internet",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=SECURITY_GROUP,
    wa=("SEC05-BP02", "SEC06-BP02"),
    cis=("6.1.2",),
    permissions=("ec2:DescribeSecurityGroups",),
    remediation=Remediation(
        text=(
            "SMB on tcp 445 is the file-sharing protocol behind worms such as WannaCry and "
            "is never meant to face the internet. Restrict the rule to the networks that "
            "mount the share, or reach file shares over a VPN or AWS Direct Connect."
        ),
        console=(
            "VPC console > Security groups > <group> > Inbound rules > Edit inbound rules: "
            "delete or narrow the rule admitting port 445 from 0.0.0.0/0 or ::/0."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
            "'IpProtocol=tcp,FromPort=445,ToPort=445,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    ),
)
def vpc_security_group_cifs_restricted(ctx: CheckContext) -> Results:
    """No ingress permission admits tcp 445 (CIFS/SMB) from ``0.0.0.0/0`` or ``::/0``.

    A permission covers 445 when its protocol is ``-1`` (all traffic) or tcp with a
    port range containing 445, so wide ranges and "all traffic" rules are caught too.
    """
    for group in ctx.resources():
        found = exposures(group.data.get("IpPermissions", []), CIFS_PORTS)
        if found:
            yield ctx.failed(
                group,
                f"{group.id} admits {summarize(found)}",
                exposures=[e.evidence() for e in found],
            )
        else:
            yield ctx.passed(group, f"{group.id} admits no tcp 445 from 0.0.0.0/0 or ::/0")
