from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import NETWORK_ACL
from cloudwarden.checks.builtin.ec2._exposure import (
    ALL_PROTOCOLS,
    describe_nacl_entry,
    network,
    protocol_number,
)
from cloudwarden.model import Area, Remediation, Severity

Entry = dict[str, Any]


@check(
    title="Network ACLs do not admit all traffic from the internet",
    severity=Severity.LOW,
    area=Area.INFRASTRUCTURE,
    resource_type=NETWORK_ACL,
    wa=("SEC05-BP01", "SEC05-BP02"),
    permissions=("ec2:DescribeNetworkAcls",),
    remediation=Remediation(
        text=(
            "A network ACL that lets every protocol and port in from 0.0.0.0/0 or ::/0 leaves "
            "the subnet's only protection to its security groups. Replace the all-traffic "
            "allow entry with entries for the ports the subnet serves (and the ephemeral "
            "ports its return traffic needs), so a security group opened by mistake is not "
            "reachable from the internet."
        ),
        console=(
            "VPC console > Network ACLs > <acl> > Inbound rules > Edit inbound rules: replace "
            "the 'All traffic' allow from 0.0.0.0/0 with allow rules for the needed ports."
        ),
        cli=(
            "aws ec2 replace-network-acl-entry --network-acl-id <acl-id> --ingress "
            "--rule-number <rule-number> --protocol tcp --port-range From=443,To=443 "
            "--cidr-block 0.0.0.0/0 --rule-action allow"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html",
    ),
)
def vpc_network_acl_all_traffic_restricted(ctx: CheckContext) -> Results:
    """No inbound NACL entry admits every protocol and port from the whole internet.

    NACL entries are evaluated in ascending ``RuleNumber`` order and the first match
    decides. An ``allow`` of protocol ``-1`` (all traffic) from ``0.0.0.0/0`` or
    ``::/0`` admits everything not denied by a lower-numbered entry; it is harmless
    only when lower-numbered all-traffic denies already cover the whole internet for
    that address family. Port-specific denies before it leave every other port open,
    so they do not clear the finding. AWS's default NACL (rule 100 allows all) fails,
    as in the CIS-derived scanners; subnets that must accept arbitrary ports are rare.
    """
    for nacl in ctx.resources():
        entries = [e for e in nacl.data.get("Entries", []) if not e.get("Egress")]
        opened = [e for family in (4, 6) if (e := _world_all_allow(entries, family))]
        if opened:
            described = "; ".join(describe_nacl_entry(e) for e in opened)
            yield ctx.failed(nacl, f"{nacl.id} admits all traffic from the internet: {described}")
        else:
            yield ctx.passed(nacl, f"{nacl.id} admits no all-traffic entry from 0.0.0.0/0 or ::/0")


def _world_all_allow(entries: list[Entry], family: int) -> Entry | None:
    for entry in sorted(entries, key=lambda e: int(e.get("RuleNumber", 32767))):
        net = network(entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"))
        if net is None or net.version != family or net.prefixlen != 0:
            continue
        if protocol_number(entry.get("Protocol", ALL_PROTOCOLS)) != ALL_PROTOCOLS:
            continue
        return entry if entry.get("RuleAction") == "allow" else None
    return None
