"""The ELBv2 collector against moto: load balancers with listeners (and the rules of HTTP
listeners), attributes, the SSL policies in use and the WAF web ACL association."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
REGION = "us-east-1"
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name=REGION), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, REGION, code="AccessDenied", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=REGION)
    found = {r.name: r for r in run_collector(COLLECTORS.get("elbv2"), cctx)}
    return found, cctx


@pytest.fixture
def alb(aws: AwsContext) -> dict[str, Any]:
    """An internet-facing ALB with a forwarding HTTP listener, an old-policy HTTPS listener and a web ACL."""
    ec2, elb = aws.client("ec2", REGION), aws.client("elbv2", REGION)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
    lb = elb.create_load_balancer(Name="cw-test-alb", Subnets=subnets, Scheme="internet-facing")
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    vpc = lb["LoadBalancers"][0]["VpcId"]
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    forward = [{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}]
    cert = aws.client("acm", REGION).request_certificate(DomainName="shop.example.com")[
        "CertificateArn"
    ]
    elb.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80, DefaultActions=forward)
    elb.create_listener(
        LoadBalancerArn=arn, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-2016-08",
        Certificates=[{"CertificateArn": cert}], DefaultActions=forward,
    )  # fmt: skip
    waf = aws.client("wafv2", REGION)
    acl = waf.create_web_acl(
        Name="cw-test-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=VISIBILITY,
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=arn)
    return {"arn": arn, "acl": acl["ARN"]}


def test_load_balancer_with_listeners_rules_attributes_policies_and_web_acl(
    aws: AwsContext, alb: dict[str, Any]
) -> None:
    found, cctx = collect(aws)
    lb = found["cw-test-alb"]
    assert cctx.errors == [] and "_errors" not in lb.data
    assert lb.arn == alb["arn"]
    assert lb.data["Scheme"] == "internet-facing" and lb.data["Type"] == "application"
    listeners = {x["Protocol"]: x for x in lb.data["Listeners"]}
    assert listeners["HTTP"]["Rules"][0]["IsDefault"] is True
    assert "Rules" not in listeners["HTTPS"]  # only plain-HTTP listeners need their rules
    assert listeners["HTTPS"]["SslPolicy"] == "ELBSecurityPolicy-2016-08"
    assert lb.data["SslPolicies"] == [
        {"Name": "ELBSecurityPolicy-2016-08", "SslProtocols": ["TLSv1.2", "TLSv1.1", "TLSv1"]}
    ]
    assert {a["Key"] for a in lb.data["Attributes"]} >= {"access_logs.s3.bucket"}
    assert lb.data["WebACL"]["ARN"] == alb["acl"]
    assert isinstance(lb.data["CreatedTime"], str)  # datetimes are ISO strings


def test_no_web_acl_is_recorded_as_none(aws: AwsContext, alb: dict[str, Any]) -> None:
    aws.client("wafv2", REGION).disassociate_web_acl(ResourceArn=alb["arn"])
    found, _ = collect(aws)
    assert found["cw-test-alb"].data["WebACL"] is None


def test_denied_detail_calls_become_errors_entries(aws: AwsContext, alb: dict[str, Any]) -> None:
    deny(aws, "wafv2", "GetWebACLForResource")
    deny(aws, "elbv2", "DescribeLoadBalancerAttributes")
    found, cctx = collect(aws)
    lb = found["cw-test-alb"]
    assert "WebACL" not in lb.data and "Attributes" not in lb.data
    assert set(lb.data["_errors"]) == {"WebACL", "Attributes"}
    assert lb.data["_errors"]["WebACL"].startswith("wafv2:get_web_acl_for_resource: AccessDenied")
    assert cctx.errors == []


def test_denied_listing_is_a_collection_error(aws: AwsContext, alb: dict[str, Any]) -> None:
    deny(aws, "elbv2", "DescribeLoadBalancers")
    found, cctx = collect(aws)
    assert found == {}
    (error,) = cctx.errors
    assert error.resource_types == ("AWS::ElasticLoadBalancingV2::LoadBalancer",)
