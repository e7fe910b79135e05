"""Resource type names and small readers shared by the EC2, VPC and ELBv2 checks."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext
from cloudwarden.model import Resource

INSTANCE = "AWS::EC2::Instance"
VOLUME = "AWS::EC2::Volume"
SNAPSHOT = "AWS::EC2::Snapshot"
IMAGE = "AWS::EC2::Image"
EBS_DEFAULT_ENCRYPTION = "AWS::EC2::EbsDefaultEncryption"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
NETWORK_ACL = "AWS::EC2::NetworkAcl"
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
ROUTE_TABLE = "AWS::EC2::RouteTable"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"

# Instances on their way out or gone no longer run anything worth assessing.
_GONE = {"shutting-down", "terminated"}


def live_instances(ctx: CheckContext) -> list[Resource]:
    return [i for i in ctx.resources(INSTANCE) if i.data.get("State", {}).get("Name") not in _GONE]


def detail_error(resource: Resource, key: str) -> str | None:
    """Why the detail ``key`` of ``resource`` could not be collected, if it could not."""
    errors = resource.data.get("_errors") or {}
    reason = errors.get(key)
    return str(reason) if reason else None
