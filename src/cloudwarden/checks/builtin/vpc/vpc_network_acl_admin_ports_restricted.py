from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import NETWORK_ACL
from cloudwarden.checks.builtin.ec2._exposure import (
    ADMIN_PORTS,
    describe_nacl_entry,
    nacl_world_allow,
)
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Network ACLs admit no remote-administration port from the internet",
    severity=Severity.MEDIUM,
    area=Area.INFRASTRUCTURE,
    resource_type=NETWORK_ACL,
    wa=("SEC05-BP02",),
    cis=("6.2",),
    permissions=("ec2:DescribeNetworkAcls",),
    remediation=Remediation(
        text=(
            "Network ACLs are the subnet-wide second layer behind security groups: if a "
            "security group is opened by mistake, a NACL that refuses SSH and RDP from the "
            "internet still keeps them unreachable. Add a deny entry for the administration "
            "ports from 0.0.0.0/0 (and ::/0) numbered below the entry that allows them, or "
            "narrow the allow entry to your administration network."
        ),
        console=(
            "VPC console > Network ACLs > <acl> > Inbound rules > Edit inbound rules: add a "
            "Deny rule for TCP 22 and 3389 from 0.0.0.0/0 with a lower rule number than the "
            "Allow rule."
        ),
        cli=(
            "aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress "
            "--rule-number <number-below-the-allow> --protocol tcp --port-range From=22,To=22 "
            "--cidr-block 0.0.0.0/0 --rule-action deny"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html",
    ),
)
def vpc_network_acl_admin_ports_restricted(ctx: CheckContext) -> Results:
    """No inbound NACL entry lets a remote-administration port in from the internet.

    NACLs are evaluated per packet in ascending ``RuleNumber`` order and the first entry
    that matches decides. For each administration port (SSH, Telnet, RDP, VNC, WinRM)
    and each address family the check walks the inbound entries that match the port
    in that order: an ``allow`` from ``0.0.0.0/0`` or ``::/0`` opens the port unless the
    entries before it already decided every source address, as a lower-numbered deny
    of the whole internet does. A deny of a few addresses does not shadow a later
    allow of the internet. Default NACLs allow all inbound traffic, so they fail this
    check until a deny is added (CIS 6.2).
    """
    for nacl in ctx.resources():
        open_ports: list[dict[str, Any]] = []
        for port in ADMIN_PORTS:
            for family in (4, 6):
                entry = nacl_world_allow(nacl.data.get("Entries", []), port, family)
                if entry is not None:
                    open_ports.append({"port": port.label(), "entry": describe_nacl_entry(entry)})
        if open_ports:
            first = open_ports[0]
            more = f" (and {len(open_ports) - 1} more)" if len(open_ports) > 1 else ""
            yield ctx.failed(
                nacl,
                f"{nacl.id} lets {first['port']} in from the internet by {first['entry']}{more}",
                open=open_ports,
            )
        else:
            yield ctx.passed(
                nacl, f"{nacl.id} lets no remote-administration port in from 0.0.0.0/0 or ::/0"
            )
