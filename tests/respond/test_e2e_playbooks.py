"""Each incident playbook end to end in the lab: attack → alert → route → run → rollback.

A test arranges the vulnerable resource in the emulator, writes the attack's CloudTrail
record into a folder the way CloudTrail delivers it (a gzip JSON ``Records`` file under
``AWSLogs/…``), runs the built-in rules over the folder, stores the alert, lets the
shipped routes choose the playbook for a lab incident, runs it in ``auto`` mode and then
checks containment through the AWS API — never through the journal, which only says what
the runner believes it did. Rolling the run back must give the resource its before-state
where the playbook's steps can be undone; the one-way steps are named in each test.

One emulator per test process, never reset (other suites share it): every resource has
a unique name.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect.rules.catalog import builtin_rules
from cloudwarden.detect.rules.ir import Rule
from cloudwarden.detect.run import run_detection
from cloudwarden.lab.attacks.records import Forge, Principal, api_call
from cloudwarden.lab.server import LabServer, free_port
from cloudwarden.respond.catalog import builtin_playbooks
from cloudwarden.respond.config import Mode, RespondConfig
from cloudwarden.respond.routing import Router
from cloudwarden.respond.runner import Runner, RunOutcome
from cloudwarden.respond.trigger import alert_trigger
from cloudwarden.store import Store

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
AMI = "ami-12c6146b"  # one of the images moto ships
ATTACKER_IP = "185.220.101.47"
AGENT = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1016-aws"

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    server = LabServer(free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return list(builtin_rules().rules)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Lab:
    """The emulator, a store and a CloudTrail folder for one incident."""

    server: LabServer
    root: Path
    rules: list[Rule]

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.server.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def aws_for(self, region: str) -> AwsContext:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        options = AwsOptions(endpoint_url=self.server.endpoint, region=region or REGION)
        return AwsContext(session=session, options=options, account_id=ACCOUNT)

    def attack(self, record: dict[str, Any], rule_id: str) -> dict[str, Any]:
        """Deliver ``record`` as CloudTrail would, detect, store every alert; the one of
        ``rule_id`` (an event may trip more than one rule: all are stored, as a watch would)."""
        now = datetime.now(UTC)
        folder = self.root / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION / now.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now.strftime("%Y%m%dT%H%MZ")
        path = folder / f"{ACCOUNT}_CloudTrail_{REGION}_{stamp}_{uuid.uuid4().hex[:16]}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": [record]}).encode()))
        result = run_detection([str(self.root / "AWSLogs")], self.rules)
        alerts = [a.to_dict() for a in result.alerts]
        mine = [a for a in alerts if a["rule_id"] == rule_id]
        assert len(mine) == 1, [a["rule_id"] for a in alerts]
        alert = mine[0]
        with Store.open(self.root / "store.duckdb") as store:
            store.record_alerts(alerts)
            stored = store.alert(str(alert["alert_id"]))
        assert stored is not None
        return stored

    def respond(self, alert: dict[str, Any], expected: str) -> RunOutcome:
        """Route ``alert`` as a lab incident and run what the route says, in auto mode."""
        trigger = alert_trigger(alert, "lab")
        decision = Router.default().route(trigger.incident)
        assert decision is not None
        assert decision.playbook == expected
        assert decision.mode.value == "auto"
        book = builtin_playbooks()[expected]
        with Store.open(self.root / "store.duckdb") as store:
            runner = Runner(store, self.aws_for, RespondConfig(mode=Mode.AUTO), sleep=_no_sleep)
            return runner.start(book, trigger, Mode.AUTO)

    def rollback(self, run_id: str) -> RunOutcome:
        with Store.open(self.root / "store.duckdb") as store:
            return Runner(store, self.aws_for, RespondConfig(mode=Mode.AUTO)).rollback(run_id)


def _no_sleep(_: float) -> None:
    """Retries and polls wait for nothing against the emulator."""


@pytest.fixture
def lab_env(lab: LabServer, rules: list[Rule], tmp_path: Path) -> Lab:
    return Lab(lab, tmp_path, rules)


_FORGE = Forge("e2e-playbooks")
_EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _user(name: str, key: str) -> Principal:
    return Principal("IAMUser", ACCOUNT, name=name, principal_id="AIDA" + name, access_key=key)


def _role(name: str) -> Principal:
    started = datetime.now(UTC)
    return Principal(
        "AssumedRole",
        ACCOUNT,
        name=name,
        principal_id="AROAE2E" + name[-8:].upper(),
        access_key=_FORGE.key_id(),
        session="attacker",
        session_start=started,
    )


def _call(who: Principal, service: str, name: str, request: dict[str, Any]) -> dict[str, Any]:
    return api_call(
        _FORGE,
        who,
        datetime.now(UTC),
        service,
        name,
        region=REGION,
        ip=ATTACKER_IP,
        agent=AGENT,
        request=request,
    )


def _ran(outcome: RunOutcome) -> dict[str, str]:
    """Each step's last journal kind (what the runner did), for the failure message."""
    return {e.step: e.kind for e in outcome.entries if e.step}


def _kinds(outcome: RunOutcome, kind: str) -> set[str]:
    return {e.step for e in outcome.entries if e.step and e.kind == kind}


# --- compromised-access-key ------------------------------------------------------------


def test_compromised_access_key(lab_env: Lab) -> None:
    """Deactivate + deny older sessions (both undone by rollback); the key is deleted in
    auto mode (the approval passes), which is one-way: rollback cannot recreate it."""
    iam = lab_env.client("iam")
    user, victim = _name("dev"), _name("victim")
    iam.create_user(UserName=user)
    iam.create_user(UserName=victim)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    record = _call(_user(user, key), "iam", "CreateAccessKey", {"userName": victim})
    alert = lab_env.attack(record, "cw-access-key-for-other-user")

    outcome = lab_env.respond(alert, "compromised-access-key")
    assert outcome.status == "done", _ran(outcome)
    assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"] == []  # gone
    assert iam.list_user_policies(UserName=user)["PolicyNames"]  # older sessions denied

    back = lab_env.rollback(outcome.run_id)
    assert "delete_key" in _kinds(back, "rollback-refused")
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []


# --- compromised-role-session ----------------------------------------------------------


def test_compromised_role_session(lab_env: Lab) -> None:
    """Both deny policies on the role (sessions before now; everything) are undone."""
    iam = lab_env.client("iam")
    role = _name("app")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(_EC2_TRUST))
    before = iam.list_role_policies(RoleName=role)["PolicyNames"]
    before_attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/{_name('boundary')}"
    record = _call(
        _role(role), "iam", "SetDefaultPolicyVersion", {"policyArn": policy_arn, "versionId": "v2"}
    )
    alert = lab_env.attack(record, "cw-policy-version-default")

    outcome = lab_env.respond(alert, "compromised-role-session")
    assert outcome.status == "done", _ran(outcome)
    after = iam.list_role_policies(RoleName=role)["PolicyNames"]
    after_attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert len(after) + len(after_attached) > len(before) + len(before_attached)

    back = lab_env.rollback(outcome.run_id)
    assert not _kinds(back, "rollback-refused")
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == before
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == before_attached


# --- s3-public-bucket ------------------------------------------------------------------


def _public_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Share",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def _bpa(s3: Any, bucket: str) -> dict[str, bool] | None:
    try:
        return dict(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"])
    except s3.exceptions.ClientError:
        return None


def _policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]))
    except s3.exceptions.ClientError:
        return None


def test_s3_public_bucket(lab_env: Lab) -> None:
    """Block Public Access on and the public statement removed; rollback restores both."""
    s3 = lab_env.client("s3")
    bucket = _name("exports")
    s3.create_bucket(Bucket=bucket)
    policy = _public_policy(bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    before_bpa = _bpa(s3, bucket)
    request = {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "bucketPolicy": policy}
    alert = lab_env.attack(
        _call(_user("mallory", _FORGE.key_id("AKIA")), "s3", "PutBucketPolicy", request),
        "cw-s3-bucket-policy-public",
    )

    outcome = lab_env.respond(alert, "s3-public-bucket")
    assert outcome.status == "done", _ran(outcome)
    bpa = _bpa(s3, bucket)
    assert bpa is not None and all(bpa.values())
    left = _policy(s3, bucket)
    assert left is None or all(s.get("Principal") != "*" for s in left["Statement"])

    back = lab_env.rollback(outcome.run_id)
    assert not _kinds(back, "rollback-refused")
    assert _bpa(s3, bucket) == before_bpa
    assert _policy(s3, bucket) == policy


# --- security-group-open ---------------------------------------------------------------


def _world_open(ec2: Any, group_id: str) -> bool:
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return any(
        r.get("CidrIp") == "0.0.0.0/0" for p in group["IpPermissions"] for r in p["IpRanges"]
    )


def _sg_event(group_id: str) -> dict[str, Any]:
    permission = {
        "ipProtocol": "tcp",
        "fromPort": 22,
        "toPort": 22,
        "groups": {},
        "prefixListIds": {},
        "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
        "ipv6Ranges": {},
    }
    request = {"groupId": group_id, "ipPermissions": {"items": [permission]}}
    return _call(
        _user("mallory", _FORGE.key_id("AKIA")), "ec2", "AuthorizeSecurityGroupIngress", request
    )


def test_security_group_open(lab_env: Lab) -> None:
    """The world-open rule is revoked, and rollback authorises it again."""
    ec2 = lab_env.client("ec2")
    group_id = ec2.create_security_group(GroupName=_name("web"), Description="e2e")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    alert = lab_env.attack(_sg_event(group_id), "cw-sg-open-world")

    outcome = lab_env.respond(alert, "security-group-open")
    assert outcome.status == "done", _ran(outcome)
    assert not _world_open(ec2, group_id)

    back = lab_env.rollback(outcome.run_id)
    assert not _kinds(back, "rollback-refused")
    assert _world_open(ec2, group_id)


# --- ec2-compromised-instance ----------------------------------------------------------


def _instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    reservation = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    return dict(reservation["Instances"][0])


def _groups(instance: dict[str, Any]) -> set[str]:
    """The groups of the instance's network interfaces, which is where isolation happens."""
    return {g["GroupName"] for eni in instance["NetworkInterfaces"] for g in eni["Groups"]}


def _volume(instance: dict[str, Any]) -> str:
    return str(instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"])


def _web_host(ec2: Any, iam: Any) -> tuple[str, str, str]:
    """An instance with a role in its own VPC; returns (instance id, group name, profile)."""
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    group = _name("app")
    group_id = ec2.create_security_group(GroupName=group, Description="e2e", VpcId=vpc)["GroupId"]
    profile, role = _name("app-profile"), _name("app-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(_EC2_TRUST))
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    instance = ec2.run_instances(
        ImageId=AMI,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group_id]}],
        IamInstanceProfile={"Name": profile},
    )["Instances"][0]
    return str(instance["InstanceId"]), group, profile


def test_ec2_compromised_instance(lab_env: Lab) -> None:
    """Tagged, snapshotted, profile detached and isolated; rollback gives the instance its
    groups, profile and tags back. The snapshots are evidence and stay (not undone)."""
    ec2, iam = lab_env.client("ec2"), lab_env.client("iam")
    instance_id, group, profile = _web_host(ec2, iam)
    request = {"instanceId": instance_id, "userData": "<sensitiveDataRemoved>"}
    record = _call(
        _user("mallory", _FORGE.key_id("AKIA")), "ec2", "ModifyInstanceAttribute", request
    )
    alert = lab_env.attack(record, "cw-ec2-user-data-modified")

    outcome = lab_env.respond(alert, "ec2-compromised-instance")
    assert outcome.status == "done", _ran(outcome)
    contained = _instance(ec2, instance_id)
    assert _groups(contained) == {"cloudwarden-quarantine"}
    assert "IamInstanceProfile" not in contained
    tags = {t["Key"]: t["Value"] for t in contained.get("Tags", [])}
    assert tags.get("cloudwarden:quarantine") == "true"
    volume = [{"Name": "volume-id", "Values": [_volume(contained)]}]
    assert ec2.describe_snapshots(Filters=volume)["Snapshots"]

    lab_env.rollback(outcome.run_id)
    restored = _instance(ec2, instance_id)
    assert _groups(restored) == {group}
    assert restored["IamInstanceProfile"]["Arn"].endswith(f"/{profile}")
    assert "cloudwarden:quarantine" not in {t["Key"] for t in restored.get("Tags", [])}
    assert ec2.describe_snapshots(Filters=volume)["Snapshots"]


# --- cloudtrail-logging-stopped --------------------------------------------------------


def test_cloudtrail_logging_stopped(lab_env: Lab) -> None:
    """Logging restarts; rollback stops the trail again (its before-state)."""
    s3, trail_api = lab_env.client("s3"), lab_env.client("cloudtrail")
    bucket, trail = _name("trail-logs"), _name("org-trail")
    s3.create_bucket(Bucket=bucket)
    trail_api.create_trail(Name=trail, S3BucketName=bucket)
    trail_api.start_logging(Name=trail)
    trail_api.stop_logging(Name=trail)
    record = _call(
        _user("mallory", _FORGE.key_id("AKIA")), "cloudtrail", "StopLogging", {"name": trail}
    )
    alert = lab_env.attack(record, "cw-cloudtrail-stopped")

    outcome = lab_env.respond(alert, "cloudtrail-logging-stopped")
    assert outcome.status == "done", _ran(outcome)
    assert trail_api.get_trail_status(Name=trail)["IsLogging"] is True

    lab_env.rollback(outcome.run_id)
    assert trail_api.get_trail_status(Name=trail)["IsLogging"] is False


# --- kms-key-deletion ------------------------------------------------------------------


def test_kms_key_deletion(lab_env: Lab) -> None:
    """Deletion cancelled and the key enabled; rollback schedules the deletion again for
    what was left of the waiting period (the before-state)."""
    kms = lab_env.client("kms")
    key_id = kms.create_key(Description=_name("e2e"))["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    record = _call(
        _user("mallory", _FORGE.key_id("AKIA")),
        "kms",
        "ScheduleKeyDeletion",
        {"keyId": arn, "pendingWindowInDays": 7},
    )
    alert = lab_env.attack(record, "cw-kms-key-deletion")

    outcome = lab_env.respond(alert, "kms-key-deletion")
    assert outcome.status == "done", _ran(outcome)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled"
    assert "DeletionDate" not in meta

    lab_env.rollback(outcome.run_id)
    again = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert again["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in again


# --- root-activity ---------------------------------------------------------------------


def test_root_activity_pages_and_changes_nothing(lab_env: Lab) -> None:
    """Root's credentials are for a human to reset: the playbook pages and guides, and its
    run has nothing to roll back."""
    root = Principal("Root", ACCOUNT, principal_id=ACCOUNT, access_key=_FORGE.key_id("AKIA"))
    alert = lab_env.attack(
        _call(root, "iam", "CreateUser", {"userName": _name("support")}), "cw-root-api-call"
    )

    outcome = lab_env.respond(alert, "root-activity")
    assert outcome.status == "done", _ran(outcome)
    assert not _kinds(outcome, "done") - {"page"}
    back = lab_env.rollback(outcome.run_id)
    assert not _kinds(back, "rollback-refused")


# --- access-key-rotation (routine: started by hand, not routed) ------------------------


def test_access_key_rotation(lab_env: Lab) -> None:
    """The new key lands in Secrets Manager, the old one is deactivated and (approval
    passing in auto mode) deleted. The deletion is one-way: rollback cannot bring the old
    key back, and it still removes the new one."""
    iam, secrets = lab_env.client("iam"), lab_env.client("secretsmanager")
    user = _name("svc")
    iam.create_user(UserName=user)
    old = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    alert: dict[str, Any] = {
        "alert_id": uuid.uuid4().hex,
        "rule_id": "key-age",
        "title": "Access key older than 90 days",
        "severity": "low",
        "account": ACCOUNT,
        "region": REGION,
        "event_id": "e1",
        "event_time": datetime.now(UTC).isoformat(),
        "context": {"userIdentity.userName": user, "userIdentity.accessKeyId": old},
    }
    book = builtin_playbooks()["access-key-rotation"]
    with Store.open(lab_env.root / "store.duckdb") as store:
        store.record_alerts([alert])
        runner = Runner(store, lab_env.aws_for, RespondConfig(mode=Mode.AUTO), sleep=_no_sleep)
        outcome = runner.start(
            book, alert_trigger(store.alert(str(alert["alert_id"])) or {}, "lab")
        )
    assert outcome.status == "done", _ran(outcome)
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Active"] and keys[0]["AccessKeyId"] != old
    secret = json.loads(
        secrets.get_secret_value(SecretId=f"cloudwarden/access-keys/{user}")["SecretString"]
    )
    assert keys[0]["AccessKeyId"] in json.dumps(secret)

    back = lab_env.rollback(outcome.run_id)
    undone = {e.step: e.kind for e in back.entries if e.step}
    # the old key is gone for good, so re-activating it fails; and the rotation's first step
    # refuses to take the new key back, which would leave the user with no key at all
    assert undone["delete_old"] == "rollback-refused"
    assert undone["deactivate_old"] == "rollback-failed"
    assert undone["create_key"] == "rollback-failed"
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [
        keys[0]["AccessKeyId"]
    ]
