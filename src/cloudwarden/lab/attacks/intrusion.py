"""The two longer intrusions: a leaked access key, and crypto mining on stolen instance
credentials. Both are played from outside AWS by tools that leave their marks in the
records (the Kali build of the AWS CLI, Boto3 as Pacu uses it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cloudwarden.lab.attacks.enact import (
    GPU_TYPE,
    MINER_GROUP,
    MINER_IMAGE,
    MINER_PROFILE,
    WORLD_OPEN,
)
from cloudwarden.lab.attacks.records import Principal, flow
from cloudwarden.lab.attacks.scene import (
    ATTACKER_IP,
    BOTO,
    FLOW_LOG,
    KALI_CLI,
    MINER_IP,
    POOL_IP,
    Scene,
    iam_date,
)

__all__ = ["GPU_TYPE", "crypto_mining", "leaked_key"]

# -- 1. a leaked access key --------------------------------------------------------------

# (service, eventName, request, error code or "") — what a tool like Pacu enumerates first
RECON: tuple[tuple[str, str, dict[str, Any] | None, str], ...] = (
    ("iam", "GetUser", None, ""),
    ("iam", "ListUsers", None, ""),
    ("iam", "ListRoles", None, ""),
    ("iam", "ListGroups", None, ""),
    ("iam", "ListPolicies", {"scope": "Local", "onlyAttached": False}, ""),
    ("iam", "GetAccountAuthorizationDetails", None, ""),
    ("iam", "GetAccountSummary", None, ""),
    ("iam", "ListAccessKeys", None, ""),
    ("iam", "ListAttachedUserPolicies", {"userName": "cw-lab-admin-user"}, ""),
    ("iam", "GetAccountPasswordPolicy", None, ""),
    ("organizations", "DescribeOrganization", None, ""),
    ("organizations", "ListAccounts", None, "AccessDeniedException"),
    ("organizations", "ListRoots", None, "AccessDeniedException"),
    (
        "organizations",
        "ListPolicies",
        {"filter": "SERVICE_CONTROL_POLICY"},
        "AccessDeniedException",
    ),
    ("organizations", "ListDelegatedAdministrators", None, "AccessDeniedException"),
    ("organizations", "ListCreateAccountStatus", None, "AccessDeniedException"),
    ("organizations", "ListAWSServiceAccessForOrganization", None, "AccessDeniedException"),
    ("s3", "ListBuckets", None, ""),
    ("ec2", "DescribeRegions", None, ""),
    ("ec2", "DescribeInstances", None, ""),
    ("ec2", "DescribeSecurityGroups", None, ""),
    ("ec2", "DescribeVpcs", None, ""),
    ("ec2", "DescribeSubnets", None, ""),
    ("ec2", "DescribeSnapshots", {"ownersSet": {"items": [{"owner": "self"}]}}, ""),
    ("ec2", "DescribeKeyPairs", None, ""),
    ("ec2", "DescribeVolumes", None, ""),
    ("lambda", "ListFunctions20150331", None, ""),
    ("rds", "DescribeDBInstances", None, ""),
    ("rds", "DescribeDBSnapshots", None, ""),
    ("secretsmanager", "ListSecrets", None, ""),
    ("ssm", "DescribeParameters", None, ""),
    ("kms", "ListKeys", None, ""),
    ("kms", "ListAliases", None, ""),
    ("dynamodb", "ListTables", None, ""),
    ("cloudtrail", "DescribeTrails", None, ""),
    ("cloudtrail", "GetTrailStatus", {"name": "cw-lab-dev-trail"}, ""),
    ("guardduty", "ListDetectors", None, ""),
    ("sns", "ListTopics", None, ""),
    ("sqs", "ListQueues", None, ""),
    ("logs", "DescribeLogGroups", None, ""),
    ("sso", "ListInstances", None, "AccessDeniedException"),
)
#: roles the attacker tries to pivot into, by account; none of them trusts the dev account
DENIED_ROLES = (
    ("prod", "cw-lab-break-glass"),
    ("prod", "cw-lab-incident-response"),
    ("prod", "OrganizationAccountAccessRole"),
    ("management", "cw-lab-security-responder"),
    ("management", "cw-lab-incident-response"),
)


def _denied(who: Principal, service: str, name: str, resource: str) -> tuple[str, str]:
    """The error AWS records: Organizations refuses member accounts outright; elsewhere the
    message names the caller, the action and what was missing."""
    if service == "organizations":
        return "AccessDeniedException", "You don't have permissions to access this resource."
    code = "AccessDenied" if service in ("sts", "s3", "iam") else "AccessDeniedException"
    action = name.removesuffix("20150331")
    if service == "sts":
        return code, (
            f"User: {who.arn} is not authorized to perform: sts:AssumeRole on resource: {resource}"
        )
    return code, (
        f"User: {who.arn} is not authorized to perform: {service}:{action} on resource: "
        f"{resource} because no identity-based policy allows the {service}:{action} action"
    )


def leaked_key(scene: Scene, at: datetime) -> None:
    """A developer's long-term key, found in a public repository, used from a new address:
    who am I, a four-minute sweep of every service (some of it refused), attempts to
    assume roles in prod, then a new key for a quieter user, to come back later."""
    t = scene.targets
    who = scene.user("cw-lab-admin-user")
    kw: dict[str, Any] = {"ip": ATTACKER_IP}
    scene.call(
        who,
        at,
        "sts",
        "GetCallerIdentity",
        agent=f"{KALI_CLI} command/sts.get-caller-identity",
        **kw,
    )
    when = at + timedelta(seconds=40)
    for service, name, request, code in RECON:
        when = scene.later(when, 2, 6)
        error = _denied(who, service, name, "*") if code else None
        scene.call(who, when, service, name, agent=BOTO, request=request, error=error, **kw)
    for account, role in DENIED_ROLES:
        when = scene.later(when, 3, 8)
        arn = f"arn:aws:iam::{t.account(account)}:role/{role}"
        request = {"roleArn": arn, "roleSessionName": "pacu"}
        error = _denied(who, "sts", "AssumeRole", arn)
        scene.call(who, when, "sts", "AssumeRole", agent=BOTO, request=request, error=error, **kw)
    when = scene.later(when, 60, 120)
    target = "cw-lab-group-member"
    new_key = scene.forge.key_id("AKIA")
    response = {
        "accessKey": {
            "userName": target,
            "accessKeyId": new_key,
            "status": "Active",
            "createDate": iam_date(when),
        }
    }
    agent = f"{KALI_CLI} command/iam.create-access-key"
    scene.call(who, when, "iam", "CreateAccessKey", agent=agent, request={"userName": target}, response=response, **kw)  # fmt: skip


# -- 3. crypto mining on stolen instance credentials -----------------------------------------


def crypto_mining(scene: Scene, at: datetime) -> None:
    """Credentials taken from an IMDSv1 instance's metadata service, used from outside AWS: a
    security group opened to the world, a GPU instance launched into it, and that instance
    talking to a mining pool for the next hour."""
    t = scene.targets
    stolen = t.instances["cw-lab-imdsv1"]
    who = scene.role("cw-lab-app-role", stolen.id, at - timedelta(minutes=25), ec2="1.0")
    kw: dict[str, Any] = {"ip": MINER_IP, "agent": BOTO}
    scene.call(who, at, "sts", "GetCallerIdentity", **kw)
    when = scene.later(at, 20, 40)
    scene.call(who, when, "ec2", "DescribeInstanceTypeOfferings", **kw)
    group = t.miner.group
    when = scene.later(when, 10, 30)
    name, description = MINER_GROUP
    request: dict[str, Any] = {"groupName": name, "groupDescription": description, "vpcId": t.vpc}
    scene.call(who, when, "ec2", "CreateSecurityGroup", request=request, response={"requestId": scene.forge.uuid(), "_return": True, "groupId": group}, **kw)  # fmt: skip
    when = scene.later(when, 5, 15)
    world = {"ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}
    perms = [{"ipProtocol": "tcp", "fromPort": lo, "toPort": hi, **world} for lo, hi in WORLD_OPEN]
    request = {"groupId": group, "ipPermissions": {"items": perms}}
    scene.call(who, when, "ec2", "AuthorizeSecurityGroupIngress", request=request, response={"requestId": scene.forge.uuid(), "_return": True}, **kw)  # fmt: skip
    when = scene.later(when, 20, 60)
    miner = _run_gpu_instance(scene, who, when, group, kw)
    _pool_traffic(scene, miner, scene.later(when, 90, 120))


def _run_gpu_instance(
    scene: Scene, who: Principal, when: datetime, group: str, kw: dict[str, Any]
) -> tuple[str, str, str]:
    t = scene.targets
    miner = t.miner.instance
    instance, eni, ip = miner.id, miner.eni, miner.private_ip
    request = {
        "instancesSet": {"items": [{"imageId": MINER_IMAGE, "minCount": 1, "maxCount": 1}]},
        "instanceType": GPU_TYPE,
        "blockDeviceMapping": {},
        "monitoring": {"enabled": False},
        "disableApiTermination": False,
        "subnetId": t.subnets["cw-lab-public-a"],
        "groupSet": {"items": [{"groupId": group}]},
        "iamInstanceProfile": {"name": MINER_PROFILE},
    }  # fmt: skip
    item = {
        "instanceId": instance,
        "imageId": MINER_IMAGE,
        "instanceState": {"code": 0, "name": "pending"},
        "privateIpAddress": ip,
        "instanceType": GPU_TYPE,
        "launchTime": int(when.timestamp() * 1000),
        "subnetId": t.subnets["cw-lab-public-a"],
        "vpcId": t.vpc,
        "networkInterfaceSet": {"items": [{"networkInterfaceId": eni, "privateIpAddress": ip}]},
    }
    response = {
        "requestId": scene.forge.uuid(),
        "reservationId": f"r-0{scene.forge.hex(16)}",
        "ownerId": t.account("prod"),
        "groupSet": {},
        "instancesSet": {"items": [item]},
    }
    scene.call(who, when, "ec2", "RunInstances", request=request, response=response, **kw)
    return instance, eni, ip


def _pool_traffic(scene: Scene, miner: tuple[str, str, str], start: datetime) -> None:
    t = scene.targets
    _, eni, ip = miner
    acct, flow_log = t.account("prod"), FLOW_LOG
    port = scene.forge.rng.randint(40000, 44000)
    for minute in range(60):
        window = start + timedelta(minutes=minute)
        pool_port = 3333 if minute < 45 else 14444
        sent = scene.forge.rng.randint(40, 70)
        out = flow(acct, "us-east-1", flow_log, eni, (ip, port), (POOL_IP, pool_port), start=window, packets=sent, size=sent * 180)  # fmt: skip
        back = flow(acct, "us-east-1", flow_log, eni, (POOL_IP, pool_port), (ip, port), start=window, packets=sent - 5, size=sent * 140)  # fmt: skip
        scene.flows.extend((out, back))
        if minute == 44:
            port += 1
