"""The VPC collector against moto: security groups, NACLs, VPCs with flow logs, subnets,
route tables and internet gateways, kept as EC2 describes them."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name=REGION), options=AwsOptions())


def deny(aws: AwsContext, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "ec2", operation, REGION, code="UnauthorizedOperation", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, dict[str, Resource]], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=REGION)
    by_type: dict[str, dict[str, Resource]] = {}
    for r in run_collector(COLLECTORS.get("vpc"), cctx):
        by_type.setdefault(r.type, {})[r.id] = r
    return by_type, cctx


@pytest.fixture
def network(aws: AwsContext) -> dict[str, str]:
    """A small public network: VPC, subnet routed to an IGW, an SSH group, a NACL, a flow log."""
    ec2 = aws.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    sg = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22},
    )  # fmt: skip
    ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="cw-test-flow",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow",
    )  # fmt: skip
    return {"vpc": vpc, "subnet": subnet, "igw": igw, "rtb": rtb, "sg": sg, "acl": acl}


def test_network_resources_as_described(aws: AwsContext, network: dict[str, str]) -> None:
    found, cctx = collect(aws)
    assert cctx.errors == []
    prefix = f"arn:aws:ec2:{REGION}:{ACCOUNT}:"
    sg = found["AWS::EC2::SecurityGroup"][network["sg"]]
    assert sg.arn == f"{prefix}security-group/{network['sg']}"
    assert sg.data["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    acl = found["AWS::EC2::NetworkAcl"][network["acl"]]
    assert acl.arn == f"{prefix}network-acl/{network['acl']}"
    assert {(e["RuleNumber"], e["RuleAction"]) for e in acl.data["Entries"] if not e["Egress"]} >= {
        (100, "allow")
    }
    subnet = found["AWS::EC2::Subnet"][network["subnet"]]
    assert subnet.arn == f"{prefix}subnet/{network['subnet']}"
    assert subnet.data["MapPublicIpOnLaunch"] is False
    rtb = found["AWS::EC2::RouteTable"][network["rtb"]]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": network["igw"]}.items() <= next(
        r for r in rtb.data["Routes"] if r.get("GatewayId") == network["igw"]
    ).items()
    assert (
        found["AWS::EC2::InternetGateway"][network["igw"]].data["Attachments"][0]["VpcId"]
        == network["vpc"]
    )


def test_flow_logs_are_attached_to_the_vpc_they_watch(
    aws: AwsContext, network: dict[str, str]
) -> None:
    found, _ = collect(aws)
    vpcs = found["AWS::EC2::VPC"]
    (flow_log,) = vpcs[network["vpc"]].data["FlowLogs"]
    assert flow_log["TrafficType"] == "ALL"
    default_vpc = next(v for v in vpcs.values() if v.data["IsDefault"])
    assert default_vpc.data["FlowLogs"] == []  # collected, and there are none


def test_flow_logs_that_cannot_be_listed_are_an_error_not_an_absence(
    aws: AwsContext, network: dict[str, str]
) -> None:
    deny(aws, "DescribeFlowLogs")
    found, cctx = collect(aws)
    vpc = found["AWS::EC2::VPC"][network["vpc"]]
    assert "FlowLogs" not in vpc.data
    assert vpc.data["_errors"]["FlowLogs"].startswith(
        "ec2:describe_flow_logs: UnauthorizedOperation"
    )
    assert cctx.errors == []


def test_denied_listing_records_only_that_type(aws: AwsContext, network: dict[str, str]) -> None:
    deny(aws, "DescribeNetworkAcls")
    found, cctx = collect(aws)
    assert "AWS::EC2::NetworkAcl" not in found
    assert "AWS::EC2::SecurityGroup" in found
    (error,) = cctx.errors
    assert error.resource_types == ("AWS::EC2::NetworkAcl",)
    assert error.code == "UnauthorizedOperation"
