"""Plant the network, compute and load-balancer weaknesses of the lab, each with a twin.

Everything lives in the ``prod`` account in us-east-1 (EBS default encryption: ``dev``,
in both regions): a VPC ``cw-lab-app`` with a public subnet routed to an internet
gateway, open and narrow security groups, an open and a guarded network ACL, five
instances, volumes, snapshots and AMIs, and two application load balancers, one
legacy and one hardened. ``lab/manifest/network.yaml`` lists every weakness and twin.

EC2 and ELB identifiers are random, so the manifest cannot spell out ARNs. Instead,
right after creating each resource the manifest names, the seeder publishes its ARN in
``env.refs`` (``net-<kind>-<name>``, e.g. ``net-sg-ssh-open``), built exactly as the
collectors build ``Resource.arn``, and the manifest refers to it as ``{refs[NAME]}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.lab.org import LabEnv

HOME = "us-east-1"
OTHER = "eu-west-1"
ACCOUNT = "prod"
LAB_IMAGE = "ami-04681a1dbd79675a5"  # Amazon Linux 2, among the images moto offers in every region
FAKE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example credentials: valid nowhere
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRET_USER_DATA = (
    "#!/bin/bash\n"
    f"export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}\n"
    f"export AWS_SECRET_ACCESS_KEY={FAKE_SECRET}\n"
    "aws s3 sync s3://cw-lab-artifacts /opt/app\n"
)
CLEAN_USER_DATA = (
    "#!/bin/bash\n"
    "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id cw-lab/db "
    "--query SecretString --output text)\n"
    "systemctl start app\n"
)
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
WORLD_V4 = [{"CidrIp": "0.0.0.0/0"}]
# name -> ingress permission; the "open" groups are weaknesses, the others their twins
SECURITY_GROUPS: dict[str, dict[str, Any]] = {
    "cw-lab-ssh-open": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": WORLD_V4},
    "cw-lab-ssh-internal": {
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    },
    "cw-lab-rdp-open-v6": {
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
    },
    "cw-lab-rdp-internal-v6": {
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8:cafe::/48"}],
    },
    "cw-lab-all-open": {"IpProtocol": "-1", "IpRanges": WORLD_V4},
    "cw-lab-all-self": {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "<self>"}]},
    "cw-lab-smb-open": {"IpProtocol": "tcp", "FromPort": 445, "ToPort": 445, "IpRanges": WORLD_V4},
    "cw-lab-smb-internal": {
        "IpProtocol": "tcp", "FromPort": 445, "ToPort": 445, "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    },
}  # fmt: skip


@dataclass
class _Lab:
    """Clients into the lab (created once each) and the ids of what was built so far."""

    env: LabEnv
    clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def client(self, service: str, account: str = ACCOUNT, region: str = HOME) -> Any:
        key = (account, service, region)
        if key not in self.clients:
            self.clients[key] = self.env.client(account, service, region)
        return self.clients[key]

    def publish(self, kind: str, name: str, arn: str) -> None:
        """Record ``name``'s ARN as ``env.refs["net-<kind>-<name>"]`` (``cw-lab-`` and a
        repeated kind dropped from the name: ``cw-lab-nacl-open`` -> ``net-nacl-open``)."""
        short = name.removeprefix("cw-lab-").removeprefix(f"{kind}-")
        self.env.refs[f"net-{kind}-{short}"] = arn

    def ec2_arn(self, resource: str) -> str:
        """``arn:aws:ec2:<home>:<prod>:<resource>``, as ``CollectContext.arn`` builds it."""
        return f"arn:aws:ec2:{HOME}:{self.env.account_id(ACCOUNT)}:{resource}"

    def ec2_arn_no_account(self, resource: str) -> str:
        """Snapshot and image ARNs have no account part (the collector builds them so)."""
        return f"arn:aws:ec2:{HOME}::{resource}"

    def publish_group(self, kind: str, name: str, group: dict[str, Any]) -> None:
        """A security group as ``describe_security_groups`` listed it: the collector prefers
        the ARN EC2 returns and builds one only when there is none."""
        gid = group["GroupId"]
        self.publish(
            kind, name, group.get("SecurityGroupArn") or self.ec2_arn(f"security-group/{gid}")
        )


def _tags(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _vpcs(lab: _Lab) -> None:
    """``cw-lab-app`` (no flow log) and ``cw-lab-logged`` (all traffic logged to S3)."""
    ec2 = lab.client("ec2")
    for name, cidr in (("cw-lab-app", "10.20.0.0/16"), ("cw-lab-logged", "10.30.0.0/16")):
        vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", name))["Vpc"]["VpcId"]
        lab.ids[name] = vpc
        lab.publish("vpc", name, lab.ec2_arn(f"vpc/{vpc}"))
        only_default = [
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "group-name", "Values": ["default"]},
        ]
        group = ec2.describe_security_groups(Filters=only_default)["SecurityGroups"][0]
        lab.ids[f"{name}-default-sg"] = group["GroupId"]
        lab.publish_group("sg-default", name, group)
    ec2.create_flow_logs(
        ResourceIds=[lab.ids["cw-lab-logged"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{lab.ids['log-bucket']}",
    )


def _default_groups(lab: _Lab) -> None:
    """``cw-lab-app``'s default group gets AWS's usual rules (members talk to each other,
    everything may leave); ``cw-lab-logged``'s is emptied, as CIS 6.5 asks."""
    ec2 = lab.client("ec2")
    open_group = lab.ids["cw-lab-app-default-sg"]
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    group = ec2.describe_security_groups(GroupIds=[open_group])["SecurityGroups"][0]
    members = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": open_group}]}]
    ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=members)
    if not group["IpPermissionsEgress"]:
        ec2.authorize_security_group_egress(GroupId=open_group, IpPermissions=everything)
    closed = lab.ids["cw-lab-logged-default-sg"]
    group = ec2.describe_security_groups(GroupIds=[closed])["SecurityGroups"][0]
    if group["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=closed, IpPermissions=group["IpPermissions"])
    if group["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(GroupId=closed, IpPermissions=group["IpPermissionsEgress"])


def _subnets(lab: _Lab) -> None:
    """Two public subnets routed to an internet gateway (``-a`` auto-assigns public IPs) and a
    private one on the main route table."""
    ec2 = lab.client("ec2")
    vpc = lab.ids["cw-lab-app"]
    layout = (
        ("cw-lab-public-a", "10.20.1.0/24", f"{HOME}a", True),
        ("cw-lab-public-b", "10.20.2.0/24", f"{HOME}b", False),
        ("cw-lab-private", "10.20.3.0/24", f"{HOME}a", False),
    )
    for name, cidr, zone, auto_public in layout:
        created = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=_tags("subnet", name),
        )["Subnet"]
        subnet = created["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": auto_public})
        lab.ids[name] = subnet
        # as the collector: the ARN EC2 returns, else one built from the id
        lab.publish("subnet", name, created.get("SubnetArn") or lab.ec2_arn(f"subnet/{subnet}"))
    igw = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", "cw-lab-igw"))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    table = ec2.create_route_table(
        VpcId=vpc, TagSpecifications=_tags("route-table", "cw-lab-public")
    )
    table_id = table["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    for name in ("cw-lab-public-a", "cw-lab-public-b"):
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=lab.ids[name])


def _security_groups(lab: _Lab) -> None:
    ec2 = lab.client("ec2")
    for name, permission in SECURITY_GROUPS.items():
        gid = ec2.create_security_group(
            GroupName=name, Description=f"cloudwarden lab {name}", VpcId=lab.ids["cw-lab-app"]
        )["GroupId"]
        lab.ids[name] = gid
        text = json.dumps(permission).replace("<self>", gid)
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[json.loads(text)])
    created = [lab.ids[name] for name in SECURITY_GROUPS]
    for group in ec2.describe_security_groups(GroupIds=created)["SecurityGroups"]:
        lab.publish_group("sg", group["GroupName"], group)


def _network_acls(lab: _Lab) -> None:
    """``-open`` allows SSH from anywhere; ``-guarded`` has the same allow, shadowed by a
    lower-numbered deny; ``-wide`` lets all traffic in from anywhere."""
    ec2 = lab.client("ec2")
    ssh = {
        "Protocol": "6",
        "PortRange": {"From": 22, "To": 22},
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
    }
    https = {**ssh, "PortRange": {"From": 443, "To": 443}}
    everything = {"Protocol": "-1", "Egress": False, "CidrBlock": "0.0.0.0/0"}
    plans = {
        "cw-lab-nacl-open": [(100, "allow", ssh)],
        "cw-lab-nacl-guarded": [(50, "deny", ssh), (100, "allow", ssh), (200, "allow", https)],
        "cw-lab-nacl-wide": [(100, "allow", everything)],
    }
    for name, entries in plans.items():
        acl = ec2.create_network_acl(
            VpcId=lab.ids["cw-lab-app"], TagSpecifications=_tags("network-acl", name)
        )["NetworkAcl"]["NetworkAclId"]
        lab.ids[name] = acl
        lab.publish("nacl", name, lab.ec2_arn(f"network-acl/{acl}"))
        for number, action, entry in entries:
            ec2.create_network_acl_entry(
                NetworkAclId=acl, RuleNumber=number, RuleAction=action, **entry
            )


def _instance_profile(lab: _Lab) -> str:
    iam = lab.client("iam")
    iam.create_role(RoleName="cw-lab-app-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.create_instance_profile(InstanceProfileName="cw-lab-app-profile")
    iam.add_role_to_instance_profile(
        InstanceProfileName="cw-lab-app-profile", RoleName="cw-lab-app-role"
    )
    return "cw-lab-app-profile"


def _instances(lab: _Lab) -> None:
    """Four instances with one weakness each, and a hardened twin for all four."""
    ec2 = lab.client("ec2")
    profile = _instance_profile(lab)
    v2, v1 = {"HttpTokens": "required", "HttpEndpoint": "enabled"}, {"HttpTokens": "optional"}
    plans = (  # name, subnet, security group, metadata options, profile?, user data
        ("cw-lab-imdsv1", "cw-lab-private", "cw-lab-ssh-internal", v1, True, CLEAN_USER_DATA),
        ("cw-lab-noprofile", "cw-lab-private", "cw-lab-ssh-internal", v2, False, CLEAN_USER_DATA),
        (
            "cw-lab-userdata-secret",
            "cw-lab-private",
            "cw-lab-ssh-internal",
            v2,
            True,
            SECRET_USER_DATA,
        ),
        ("cw-lab-bastion-exposed", "cw-lab-public-a", "cw-lab-ssh-open", v2, True, CLEAN_USER_DATA),
        (
            "cw-lab-bastion-hardened",
            "cw-lab-public-a",
            "cw-lab-ssh-internal",
            v2,
            True,
            CLEAN_USER_DATA,
        ),
    )
    for name, subnet, group, metadata, with_profile, user_data in plans:
        extra = {"IamInstanceProfile": {"Name": profile}} if with_profile else {}
        resp = ec2.run_instances(
            ImageId=LAB_IMAGE, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            SubnetId=lab.ids[subnet], SecurityGroupIds=[lab.ids[group]], MetadataOptions=metadata,
            UserData=user_data, TagSpecifications=_tags("instance", name), **extra,
        )  # fmt: skip
        lab.ids[name] = resp["Instances"][0]["InstanceId"]
        lab.publish("instance", name, lab.ec2_arn(f"instance/{lab.ids[name]}"))


def _storage(lab: _Lab) -> None:
    """Plain and encrypted volumes; a public and a privately shared snapshot and AMI."""
    ec2 = lab.client("ec2")
    share = lab.env.account_id("dev")
    for name, encrypted in (("cw-lab-data-plain", False), ("cw-lab-data-encrypted", True)):
        lab.ids[name] = ec2.create_volume(
            Size=8,
            AvailabilityZone=f"{HOME}a",
            Encrypted=encrypted,
            TagSpecifications=_tags("volume", name),
        )["VolumeId"]
        lab.publish("volume", name, lab.ec2_arn(f"volume/{lab.ids[name]}"))
    for name, shared in (
        ("cw-lab-snap-public", {"GroupNames": ["all"]}),
        ("cw-lab-snap-shared", {"UserIds": [share]}),
    ):
        snap = ec2.create_snapshot(VolumeId=lab.ids["cw-lab-data-plain"], Description=name)[
            "SnapshotId"
        ]
        ec2.modify_snapshot_attribute(
            SnapshotId=snap, Attribute="createVolumePermission", OperationType="add", **shared
        )
        lab.ids[name] = snap
        lab.publish("snap", name, lab.ec2_arn_no_account(f"snapshot/{snap}"))
    for name, grant in (
        ("cw-lab-ami-public", {"Group": "all"}),
        ("cw-lab-ami-shared", {"UserId": share}),
    ):
        image = ec2.create_image(
            InstanceId=lab.ids["cw-lab-bastion-hardened"], Name=name, NoReboot=True
        )
        ec2.modify_image_attribute(ImageId=image["ImageId"], LaunchPermission={"Add": [grant]})
        lab.ids[name] = image["ImageId"]
        lab.publish("ami", name, lab.ec2_arn_no_account(f"image/{image['ImageId']}"))


def _ebs_defaults(lab: _Lab) -> None:
    """``dev`` leaves EBS encryption by default off in us-east-1 and turns it on in eu-west-1."""
    lab.client("ec2", "dev", HOME).disable_ebs_encryption_by_default()
    lab.client("ec2", "dev", OTHER).enable_ebs_encryption_by_default()


def _listeners(lab: _Lab, lb_arn: str, hardened: bool) -> None:
    elb = lab.client("elbv2")
    forward = [{"Type": "forward", "TargetGroupArn": lab.ids["target-group"]}]
    redirect = [
        {
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
        }
    ]
    policy = "ELBSecurityPolicy-TLS13-1-2-2021-06" if hardened else "ELBSecurityPolicy-2016-08"
    elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=redirect if hardened else forward,
    )
    elb.create_listener(
        LoadBalancerArn=lb_arn, Protocol="HTTPS", Port=443, SslPolicy=policy,
        Certificates=[{"CertificateArn": lab.ids["certificate"]}], DefaultActions=forward,
    )  # fmt: skip


def _load_balancers(lab: _Lab) -> None:
    """``cw-lab-alb-legacy``: HTTP forwarding, TLS 1.0 policy, no logs, no WAF.
    ``cw-lab-alb-hardened``: redirect, TLS 1.2+ policy, access logs, web ACL."""
    elb, acm = lab.client("elbv2"), lab.client("acm")
    cert = acm.request_certificate(DomainName="shop.cw-lab.example.com")
    lab.ids["certificate"] = cert["CertificateArn"]
    tg = elb.create_target_group(
        Name="cw-lab-web", Protocol="HTTP", Port=80, VpcId=lab.ids["cw-lab-app"]
    )
    lab.ids["target-group"] = tg["TargetGroups"][0]["TargetGroupArn"]
    subnets = [lab.ids["cw-lab-public-a"], lab.ids["cw-lab-public-b"]]
    for name in ("cw-lab-alb-legacy", "cw-lab-alb-hardened"):
        lb = elb.create_load_balancer(Name=name, Subnets=subnets, Scheme="internet-facing")
        lab.ids[name] = lb["LoadBalancers"][0]["LoadBalancerArn"]
        lab.publish("alb", name, lab.ids[name])  # the collector keeps LoadBalancerArn as is
        _listeners(lab, lab.ids[name], hardened=name.endswith("hardened"))
    logs = {"enabled": "true", "bucket": lab.ids["log-bucket"], "prefix": "alb"}
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=lab.ids["cw-lab-alb-hardened"],
        Attributes=[{"Key": f"access_logs.s3.{k}", "Value": v} for k, v in logs.items()],
    )
    _web_acl(lab, lab.ids["cw-lab-alb-hardened"])


def _web_acl(lab: _Lab, resource_arn: str) -> None:
    waf = lab.client("wafv2")
    visibility = {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "cwlab",
    }
    acl = waf.create_web_acl(
        Name="cw-lab-web-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig=visibility,
    )
    waf.associate_web_acl(WebACLArn=acl["Summary"]["ARN"], ResourceArn=resource_arn)


def seed(env: LabEnv) -> None:
    lab = _Lab(env)
    bucket = f"cw-lab-network-logs-{env.account_id(ACCOUNT)}"
    lab.client("s3").create_bucket(Bucket=bucket)
    lab.ids["log-bucket"] = bucket
    _vpcs(lab)
    _default_groups(lab)
    _subnets(lab)
    _security_groups(lab)
    _network_acls(lab)
    _instances(lab)
    _storage(lab)
    _ebs_defaults(lab)
    _load_balancers(lab)
