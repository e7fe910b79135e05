"""VPC networking: VPCs (with their flow logs), subnets, security groups, network ACLs,
route tables and internet gateways.

Everything is kept as ``Describe*`` returned it, so the checks can reproduce EC2's own
evaluation: security-group permissions, NACL entries in rule-number order, and which
route table a subnet really uses. Flow logs are listed once per region and attached
to the VPC they watch (``data["FlowLogs"]``); if they cannot be listed, each VPC says
so in ``data["_errors"]["FlowLogs"]`` rather than appearing to have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.inventory.services.ec2 import guarded, jsonable, optional_list, with_errors
from cloudwarden.model import Resource

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
ROUTE_TABLE = "AWS::EC2::RouteTable"
INTERNET_GATEWAY = "AWS::EC2::InternetGateway"


def _name(item: dict[str, Any], default: str) -> str:
    tags = item.get("Tags") or []
    return next((str(t["Value"]) for t in tags if t.get("Key") == "Name"), default)


def _simple(
    ctx: CollectContext, rtype: str, operation: str, key: str, id_key: str, arn_kind: str
) -> Iterator[Resource]:
    """One resource per listed item, its ARN built from the id (``vpc/vpc-...``)."""
    for item in ctx.paginate("ec2", operation, key):
        rid = item[id_key]
        yield ctx.resource(
            rtype,
            arn=ctx.arn("ec2", f"{arn_kind}/{rid}"),
            id=rid,
            name=_name(item, rid),
            data=jsonable(item),
        )


def _security_groups(ctx: CollectContext) -> Iterator[Resource]:
    for item in ctx.paginate("ec2", "describe_security_groups", "SecurityGroups"):
        gid = item["GroupId"]
        yield ctx.resource(
            SECURITY_GROUP,
            arn=item.get("SecurityGroupArn") or ctx.arn("ec2", f"security-group/{gid}"),
            id=gid,
            name=item.get("GroupName") or gid,
            data=jsonable(item),
        )


def _network_acls(ctx: CollectContext) -> Iterator[Resource]:
    return _simple(
        ctx, NETWORK_ACL, "describe_network_acls", "NetworkAcls", "NetworkAclId", "network-acl"
    )


def _subnets(ctx: CollectContext) -> Iterator[Resource]:
    for item in ctx.paginate("ec2", "describe_subnets", "Subnets"):
        sid = item["SubnetId"]
        yield ctx.resource(
            SUBNET,
            arn=item.get("SubnetArn") or ctx.arn("ec2", f"subnet/{sid}"),
            id=sid,
            name=_name(item, sid),
            data=jsonable(item),
        )


def _route_tables(ctx: CollectContext) -> Iterator[Resource]:
    return _simple(
        ctx, ROUTE_TABLE, "describe_route_tables", "RouteTables", "RouteTableId", "route-table"
    )


def _internet_gateways(ctx: CollectContext) -> Iterator[Resource]:
    return _simple(
        ctx,
        INTERNET_GATEWAY,
        "describe_internet_gateways",
        "InternetGateways",
        "InternetGatewayId",
        "internet-gateway",
    )


def _vpcs(ctx: CollectContext) -> Iterator[Resource]:
    vpcs = ctx.paginate("ec2", "describe_vpcs", "Vpcs")
    errors: dict[str, str] = {}
    flow_logs = optional_list(ctx, "ec2", "describe_flow_logs", "FlowLogs", errors)
    for item in vpcs:
        vid = item["VpcId"]
        data = jsonable(item)
        if flow_logs is not None:
            data["FlowLogs"] = jsonable([f for f in flow_logs if f.get("ResourceId") == vid])
        yield ctx.resource(
            VPC,
            arn=ctx.arn("ec2", f"vpc/{vid}"),
            id=vid,
            name=_name(item, vid),
            data=with_errors(data, errors),
        )


@collector(
    service="ec2",
    resource_types=(SECURITY_GROUP, NETWORK_ACL, VPC, SUBNET, ROUTE_TABLE, INTERNET_GATEWAY),
    permissions=(
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeVpcs",
        "ec2:DescribeFlowLogs",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways",
    ),
    regional=True,
)
def collect_vpc(ctx: CollectContext) -> Iterator[Resource]:
    yield from guarded(ctx, (SECURITY_GROUP,), _security_groups)
    yield from guarded(ctx, (NETWORK_ACL,), _network_acls)
    yield from guarded(ctx, (VPC,), _vpcs)
    yield from guarded(ctx, (SUBNET,), _subnets)
    yield from guarded(ctx, (ROUTE_TABLE,), _route_tables)
    yield from guarded(ctx, (INTERNET_GATEWAY,), _internet_gateways)
