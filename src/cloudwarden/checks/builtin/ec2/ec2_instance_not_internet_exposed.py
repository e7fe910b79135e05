from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import (
    INSTANCE,
    NETWORK_ACL,
    ROUTE_TABLE,
    SECURITY_GROUP,
    live_instances,
)
from cloudwarden.checks.builtin.ec2._exposure import (
    ADMIN_PORTS,
    Exposure,
    exposures,
    internet_route,
    nacl_for_subnet,
    nacl_world_allow,
    route_table_for_subnet,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@dataclass
class _Network:
    """The security groups, route tables and NACLs of one account and region."""

    groups: dict[str, Resource]
    route_tables: list[dict[str, Any]]
    nacls: list[dict[str, Any]]


@dataclass
class _Finding:
    public: list[str] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    missing: str = ""


def _network(ctx: CheckContext, account: str, region: str) -> _Network:
    return _Network(
        groups={g.id: g for g in ctx.related(SECURITY_GROUP, account, region)},
        route_tables=[t.data for t in ctx.related(ROUTE_TABLE, account, region)],
        nacls=[n.data for n in ctx.related(NETWORK_ACL, account, region)],
    )


def _interfaces(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The instance's network interfaces (or its top-level fields when none are listed)."""
    enis: list[dict[str, Any]] = data.get("NetworkInterfaces") or []
    if enis:
        return enis
    public = data.get("PublicIpAddress")
    return [
        {
            "SubnetId": data.get("SubnetId"),
            "VpcId": data.get("VpcId"),
            "Groups": data.get("SecurityGroups") or [],
            "Association": {"PublicIp": public} if public else {},
        }
    ]


def _addresses(eni: dict[str, Any]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    v4 = (eni.get("Association") or {}).get("PublicIp")
    if v4:
        found.append((4, str(v4)))
    v6 = [a["Ipv6Address"] for a in eni.get("Ipv6Addresses") or [] if a.get("Ipv6Address")]
    if v6:
        found.append((6, str(v6[0])))
    return found


def _reachable(group: Resource, nacl: Mapping[str, Any] | None, family: int) -> list[Exposure]:
    """Admin ports ``group`` opens to the internet that the subnet's NACL also lets in."""
    found = exposures(group.data.get("IpPermissions", []), ADMIN_PORTS, family)
    if nacl is None:
        return found
    entries = nacl.get("Entries", [])
    return [e for e in found if nacl_world_allow(entries, e.port, family) is not None]


def _assess_interface(eni: dict[str, Any], net: _Network, out: _Finding) -> None:
    addresses = _addresses(eni)
    if not addresses:
        return
    out.public.extend(a for _, a in addresses)
    subnet, vpc = str(eni.get("SubnetId", "")), str(eni.get("VpcId", ""))
    table = route_table_for_subnet(net.route_tables, subnet, vpc)
    if table is None:
        out.missing = f"no route table of {vpc} applies to {subnet}"
        return
    nacl = nacl_for_subnet(net.nacls, subnet)
    for family, address in addresses:
        route = internet_route(table, family)
        if route is None:
            continue
        for ref in eni.get("Groups") or []:
            group = net.groups.get(str(ref.get("GroupId")))
            if group is None:
                out.missing = f"security group {ref.get('GroupId')} is not in the snapshot"
                return
            where: dict[str, Any] = {"address": address, "group": group.id, "subnet": subnet}
            where |= {"gateway": route.get("GatewayId"), "route_table": table.get("RouteTableId")}
            out.paths.extend({**e.evidence(), **where} for e in _reachable(group, nacl, family))


def _describe(path: dict[str, Any]) -> str:
    return (
        f"{path['service']} ({path['protocol']} {path['port']}) at {path['address']} via "
        f"{path['group']} rule {path['rule']} from {path['cidr']}, subnet {path['subnet']} "
        f"routed to {path['gateway']}"
    )


@check(
    title="EC2 instances expose no remote-administration port to the internet",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=INSTANCE,
    wa=("SEC05-BP01", "SEC05-BP02"),
    permissions=(
        "ec2:DescribeInstances",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNetworkAcls",
    ),
    requires=(SECURITY_GROUP, ROUTE_TABLE, NETWORK_ACL),
    remediation=Remediation(
        text=(
            "This instance can be reached from anywhere on an administration port: it has a "
            "public address, its subnet routes to an internet gateway, its network ACL lets "
            "the port in and a security group admits the internet. Close the security-group "
            "rule (or narrow it to your administration network), move the instance to a "
            "private subnet, and administer it through Session Manager."
        ),
        console=(
            "EC2 console > Instances > <instance> > Security > Security groups > <group> > "
            "Edit inbound rules: remove the 0.0.0.0/0 or ::/0 rule on the administration port."
        ),
        cli=(
            "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
            "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ),
        url="https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-best-practices.html",
    ),
    references=(
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html",
    ),
)
def ec2_instance_not_internet_exposed(ctx: CheckContext) -> Results:
    """No remote-administration port of the instance is reachable from the internet.

    For each network interface with a public IPv4 address (or an IPv6 address), a port
    is reachable only when every layer lets it through: the subnet's route table (the
    explicitly associated one, else the VPC's main table) has an active default route
    to an internet gateway; the subnet's network ACL, evaluated in rule-number order,
    allows the port from the internet; and one of the interface's security groups
    admits it from ``0.0.0.0/0`` / ``::/0``. Return traffic is not modelled (security
    groups are stateful; outbound NACL entries are assumed to allow replies). Stopped
    instances normally have no public address and pass.
    """
    networks: dict[tuple[str, str], _Network] = {}
    for instance in live_instances(ctx):
        key = (instance.account, instance.region)
        net = networks.get(key) or networks.setdefault(key, _network(ctx, *key))
        found = _Finding()
        for eni in _interfaces(instance.data):
            _assess_interface(eni, net, found)
        if found.paths:
            more = f" (and {len(found.paths) - 1} more)" if len(found.paths) > 1 else ""
            yield ctx.failed(
                instance,
                f"{instance.id} is reachable from the internet: {_describe(found.paths[0])}{more}",
                paths=found.paths,
            )
        elif found.missing:
            yield ctx.not_assessed(instance, f"exposure of {instance.id} unknown: {found.missing}")
        elif found.public:
            yield ctx.passed(
                instance,
                f"{instance.id} has public address {', '.join(found.public)} but no "
                "administration port is open to the internet through its routes, NACL and "
                "security groups",
            )
        else:
            yield ctx.passed(instance, f"{instance.id} has no public IP address")
