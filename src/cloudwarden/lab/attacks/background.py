"""Ordinary hours in the lab organisation: the activity every real trail is mostly made of.

AWS Config describing resources through its service-linked role, EC2 refreshing instance
credentials, applications reading their secret at start-up (Secrets Manager decrypting it
with KMS on their behalf) and reading and writing objects through the VPC's endpoints with
those credentials, Lambda assuming its role, CloudTrail and the flow-log service delivering
their own files, operators signing in to the console with MFA and reading at a human pace,
the security team assuming its incident-response role; and in the flow logs, SSH inside the
VPC, HTTPS to AWS endpoints and the internet's scanners knocking on the exposed bastion.
None of it should raise a high or critical alert; the tests hold the built-in rules to that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cloudwarden.lab.attacks.records import Principal, console_login, flow
from cloudwarden.lab.attacks.scene import FLOW_LOG, Scene, s3_extra, s3_resources

__all__ = ["play_background"]

OFFICE_IP = "192.0.2.10"
BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
JAVA_SDK = (
    "aws-sdk-java/2.25.11 Linux/5.10.215-203.850.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS "
    "Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy"
)
CONFIG_READS = (
    "DescribeInstances",
    "DescribeSecurityGroups",
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeNetworkAcls",
)
CONSOLE_READS = (
    ("ec2", "DescribeInstances"),
    ("ec2", "DescribeSecurityGroups"),
    ("s3", "ListBuckets"),
    ("cloudwatch", "DescribeAlarms"),
    ("lambda", "ListFunctions20150331"),
    ("logs", "DescribeLogGroups"),
)
RESPONDER_READS = (
    ("securityhub", "GetFindings"),
    ("guardduty", "ListDetectors"),
    ("cloudtrail", "LookupEvents"),
)
S3_ENDPOINT_IPS = ("52.216.40.168", "52.217.97.10", "3.5.29.147")
SCANNERS = ("198.18.44.12", "198.18.201.7", "198.19.3.250")
#: ports mining pools listen on, never used as ephemeral ports by the background
POOL_PORTS = frozenset({3333, 4444, 5555, 7777, 8888, 9999, 14433, 14444, 45560, 45700})


def play_background(scene: Scene, start: datetime, hours: int) -> None:
    for hour in range(hours):
        at = start + timedelta(hours=hour)
        for role, region in (("prod", "us-east-1"), ("prod", "eu-west-1")):
            _config(scene, at, role, region)
        _instances(scene, at)
        _deliveries(scene, at)
        _functions(scene, at)
        _flow_deliveries(scene, at)
        _flows(scene, at)
    _operators(scene, start + timedelta(minutes=50))
    _responder(scene, start + timedelta(hours=max(hours - 2, 0), minutes=10))


def _config(scene: Scene, at: datetime, role: str, region: str) -> None:
    """Config's recorder describing the account every fifteen minutes, from Config itself."""
    acct = scene.targets.account(role)
    who = Principal(
        "AssumedRole", acct, name="AWSServiceRoleForConfig",
        principal_id=f"AROA{scene.forge.hex(17, upper=True)}"[:21],
        access_key=scene.forge.key_id("ASIA"), session="AWSConfig-Describe",
        session_start=at, service="config.amazonaws.com",
    )  # fmt: skip
    for quarter in range(4):
        when = scene.later(at + timedelta(minutes=15 * quarter), 0, 30)
        for name in CONFIG_READS:
            when = scene.later(when, 0.2, 2)
            scene.call(who, when, "ec2", name, region=region, ip="config.amazonaws.com", agent="config.amazonaws.com")  # fmt: skip


def _instances(scene: Scene, at: datetime) -> None:
    t = scene.targets
    acct = t.account("prod")
    for inst in t.instances.values():
        refresh = scene.later(at, 0, 300)
        role_arn = f"arn:aws:iam::{acct}:role/cw-lab-app-role"
        request = {"roleArn": role_arn, "roleSessionName": inst.id}
        key = scene.forge.key_id("ASIA")
        response = {"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": "6 hours"}}  # fmt: skip
        resources = [{"accountId": acct, "type": "AWS::IAM::Role", "ARN": role_arn}]
        ec2 = Principal("AWSService", acct, service="ec2.amazonaws.com")
        scene.call(ec2, refresh, "sts", "AssumeRole", ip="ec2.amazonaws.com", agent="ec2.amazonaws.com", request=request, response=response, resources=resources, extra={"sharedEventID": scene.forge.uuid()})  # fmt: skip
        delivery = "1.0" if inst.name == "cw-lab-imdsv1" else "2.0"
        who = Principal(
            "AssumedRole", acct, name="cw-lab-app-role", principal_id=t.role_ids["cw-lab-app-role"],
            access_key=key, session=inst.id, session_start=refresh, ec2_delivery=delivery,
        )  # fmt: skip
        _app_secret(scene, who, inst.private_ip, scene.later(refresh, 5, 30))
        _app_objects(scene, who, inst.private_ip, refresh)


def _app_secret(scene: Scene, who: Principal, ip: str, at: datetime) -> None:
    """The app reads its database password at start (as its user data does), through the
    Secrets Manager endpoint; Secrets Manager decrypts it with KMS on the app's behalf."""
    acct = who.account
    secret = f"arn:aws:secretsmanager:us-east-1:{acct}:secret:cw-lab/db-{scene.forge.token(6)}"
    endpoint = {"vpcEndpointId": "vpce-0f1e2d3c4b5a69788", "vpcEndpointAccountId": acct}
    scene.call(who, at, "secretsmanager", "GetSecretValue", ip=ip, agent=JAVA_SDK, request={"secretId": "cw-lab/db"}, extra=endpoint)  # fmt: skip
    via = Principal(
        who.kind, acct, name=who.name, principal_id=who.principal_id, access_key=who.access_key,
        session=who.session, session_start=who.session_start, ec2_delivery=who.ec2_delivery,
        service="secretsmanager.amazonaws.com",
    )  # fmt: skip
    context = {"encryptionContext": {"SecretARN": secret, "SecretVersionId": scene.forge.uuid()}}
    key = f"arn:aws:kms:us-east-1:{acct}:key/{scene.forge.uuid()}"
    request = {**context, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    resources = [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key}]
    scene.call(via, scene.later(at, 0, 1), "kms", "Decrypt", ip="secretsmanager.amazonaws.com", agent="secretsmanager.amazonaws.com", request=request, resources=resources)  # fmt: skip


def _functions(scene: Scene, at: datetime) -> None:
    """Lambda assuming dev's report writer role for its hourly invocations."""
    t = scene.targets
    acct = t.account("dev")
    role_arn = f"arn:aws:iam::{acct}:role/cw-lab-report-writer"
    lam = Principal("AWSService", acct, service="lambda.amazonaws.com")
    when = scene.later(at, 0, 120)
    request = {"roleArn": role_arn, "roleSessionName": "cw-lab-report-writer"}
    response = {"credentials": {"accessKeyId": scene.forge.key_id("ASIA"), "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": "12 hours"}}  # fmt: skip
    resources = [{"accountId": acct, "type": "AWS::IAM::Role", "ARN": role_arn}]
    scene.call(lam, when, "sts", "AssumeRole", ip="lambda.amazonaws.com", agent="lambda.amazonaws.com", request=request, response=response, resources=resources, extra={"sharedEventID": scene.forge.uuid()})  # fmt: skip


def _app_objects(scene: Scene, who: Principal, ip: str, at: datetime) -> None:
    """Reads of the artifacts bucket every few minutes, a report written now and then."""
    acct = who.account
    endpoint = {"vpcEndpointId": "vpce-0a6b1c2d3e4f50617", "vpcEndpointAccountId": acct}
    when = at
    end = at + timedelta(minutes=55)
    while when < end:
        when = scene.later(when, 120, 420)
        writing = scene.forge.rng.random() < 0.25
        bucket = "cw-lab-reports" if writing else "cw-lab-artifacts"
        key = (
            f"daily/{when:%Y-%m-%d}/{scene.forge.hex(8)}.csv"
            if writing
            else f"releases/app-{scene.forge.rng.randint(1, 4)}.tar.gz"
        )
        size = scene.forge.rng.randint(2_000, 900_000)
        request: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", "key": key}  # fmt: skip
        extra = {
            **s3_extra(scene.forge, size if writing else 0, 0 if writing else size),
            **endpoint,
        }
        name = "PutObject" if writing else "GetObject"
        scene.call(who, when, "s3", name, ip=ip, agent=JAVA_SDK, request=request, resources=s3_resources(acct, bucket, key), data_event=True, extra=extra)  # fmt: skip


def _deliveries(scene: Scene, at: datetime) -> None:
    """CloudTrail writing its files (recorded by the trails' S3 data events)."""
    t = scene.targets
    for role in ("prod", "management"):
        acct, bucket = t.account(role), t.trail_bucket(role)
        for region in t.regions:
            for slot in range(12):
                when = scene.later(at + timedelta(minutes=5 * slot), 0, 60)
                key = f"AWSLogs/{acct}/CloudTrail/{region}/{when:%Y/%m/%d}/{acct}_CloudTrail_{region}_{when:%Y%m%dT%H%MZ}_{scene.forge.token(16)}.json.gz"  # fmt: skip
                request = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", "key": key, "x-amz-acl": "bucket-owner-full-control"}  # fmt: skip
                who = Principal("AWSService", acct, service="cloudtrail.amazonaws.com")
                scene.call(who, when, "s3", "PutObject", ip="cloudtrail.amazonaws.com", agent="cloudtrail.amazonaws.com", request=request, resources=s3_resources(acct, bucket, key), data_event=True, extra=s3_extra(scene.forge, scene.forge.rng.randint(900, 40_000)))  # fmt: skip


def _flow_deliveries(scene: Scene, at: datetime) -> None:
    """The log delivery service writing flow-log files (recorded by prod's S3 data events)."""
    t = scene.targets
    acct, bucket = t.account("prod"), t.flow_bucket()
    who = Principal("AWSService", acct, service="delivery.logs.amazonaws.com")
    for slot in range(6):
        when = scene.later(at + timedelta(minutes=10 * slot), 0, 60)
        key = f"AWSLogs/{acct}/vpcflowlogs/us-east-1/{when:%Y/%m/%d}/{acct}_vpcflowlogs_us-east-1_{FLOW_LOG}_{when:%Y%m%dT%H%MZ}_{scene.forge.hex(8)}.log.gz"  # fmt: skip
        request = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", "key": key, "x-amz-acl": "bucket-owner-full-control"}  # fmt: skip
        scene.call(who, when, "s3", "PutObject", ip="delivery.logs.amazonaws.com", agent="delivery.logs.amazonaws.com", request=request, resources=s3_resources(acct, bucket, key), data_event=True, extra=s3_extra(scene.forge, scene.forge.rng.randint(2_000, 20_000)))  # fmt: skip


def _operators(scene: Scene, at: datetime) -> None:
    """An engineer signs in to dev's console with MFA and reads at a human pace."""
    t = scene.targets
    name = "cw-lab-console-mfa"
    login = scene.user(name, "")
    scene.records.append(console_login(scene.forge, login, at, ip=OFFICE_IP, agent=BROWSER, mfa=True))  # fmt: skip
    who = Principal(
        "IAMUser", t.account("dev"), name=name, principal_id=t.user_ids[name],
        access_key=scene.forge.key_id("ASIA"), session_start=at, mfa=True,
    )  # fmt: skip
    when = at
    for service, op in CONSOLE_READS * 2:
        when = scene.later(when, 120, 400)
        scene.call(
            who,
            when,
            service,
            op,
            ip=OFFICE_IP,
            agent="AWS Internal",
            extra={"sessionCredentialFromConsole": "true"},
        )


def _responder(scene: Scene, at: datetime) -> None:
    """The security team, with MFA, assumes the incident-response role in prod for a review."""
    t = scene.targets
    mgmt, prod = t.account("management"), t.account("prod")
    who = scene.role("cw-lab-security-responder", "alice", at - timedelta(minutes=5), mfa=True)
    role_arn = f"arn:aws:iam::{prod}:role/cw-lab-incident-response"
    key = scene.forge.key_id("ASIA")
    request = {"roleArn": role_arn, "roleSessionName": "alice"}
    response = {"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "expiration": "1 hour"}}  # fmt: skip
    agent = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off"
    scene.call(who, at, "sts", "AssumeRole", ip=OFFICE_IP, agent=f"{agent} command/sts.assume-role", request=request, response=response, resources=[{"accountId": prod, "type": "AWS::IAM::Role", "ARN": role_arn}])  # fmt: skip
    assumed = Principal(
        "AssumedRole", prod, name="cw-lab-incident-response",
        principal_id=t.role_ids["cw-lab-incident-response"], access_key=key, session="alice",
        session_start=at, mfa=True,
    )  # fmt: skip
    when = at
    for service, op in RESPONDER_READS:
        when = scene.later(when, 60, 240)
        scene.call(assumed, when, service, op, ip=OFFICE_IP, agent=agent)
    del mgmt


def _ephemeral(scene: Scene) -> int:
    while True:
        port = scene.forge.rng.randint(32768, 60999)
        if port not in POOL_PORTS:
            return port


def _flows(scene: Scene, at: datetime) -> None:
    """One hour of the app VPC's traffic, minute by minute."""
    t = scene.targets
    acct, rng = t.account("prod"), scene.forge.rng
    bastion, target = t.instances["cw-lab-bastion-hardened"], t.instances["cw-lab-imdsv1"]
    exposed = t.instances["cw-lab-bastion-exposed"]
    ssh_port = _ephemeral(scene)
    for minute in range(60):
        window = at + timedelta(minutes=minute)
        out: list[Any] = []
        if minute < 20:  # an SSH session from the bastion to an app server
            n = rng.randint(10, 60)
            out.append(flow(acct, "us-east-1", FLOW_LOG, target.eni, (bastion.private_ip, ssh_port), (target.private_ip, 22), start=window, packets=n, size=n * 120))  # fmt: skip
            out.append(flow(acct, "us-east-1", FLOW_LOG, target.eni, (target.private_ip, 22), (bastion.private_ip, ssh_port), start=window, packets=n, size=n * 300))  # fmt: skip
        for inst in t.instances.values():
            if rng.random() < 0.6:
                port, s3 = _ephemeral(scene), rng.choice(S3_ENDPOINT_IPS)
                n = rng.randint(8, 400)
                out.append(flow(acct, "us-east-1", FLOW_LOG, inst.eni, (inst.private_ip, port), (s3, 443), start=window, packets=n, size=n * 90))  # fmt: skip
                out.append(flow(acct, "us-east-1", FLOW_LOG, inst.eni, (s3, 443), (inst.private_ip, port), start=window, packets=n, size=n * 1200))  # fmt: skip
        if rng.random() < 0.3:  # the internet's background noise at the exposed bastion
            scanner, dport = rng.choice(SCANNERS), rng.choice((22, 22, 23, 445, 3389, 8080))
            action = "ACCEPT" if dport == 22 else "REJECT"
            out.append(flow(acct, "us-east-1", FLOW_LOG, exposed.eni, (scanner, _ephemeral(scene)), (exposed.private_ip, dport), start=window, packets=rng.randint(1, 6), size=rng.randint(40, 400), action=action))  # fmt: skip
        scene.flows.extend(out)
