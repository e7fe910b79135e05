"""The attack scenarios: each one a short incident in the lab, and the rules that must see it.

Scenarios are independent stories, each seeded on its own (adding one never changes the
others' records). A scenario's ``rules`` are the built-in rule ids it must raise; the tests
hold every scenario to them. The two longer ones live in :mod:`.intrusion`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cloudwarden.lab.attacks.intrusion import crypto_mining, leaked_key
from cloudwarden.lab.attacks.records import Principal, console_login
from cloudwarden.lab.attacks.scene import (
    ATTACKER_IP,
    BOTO,
    BROWSER,
    INSIDER_IP,
    ROOT_IP,
    Scene,
    iam_date,
    s3_extra,
    s3_resources,
)

__all__ = ["SCENARIOS", "Scenario"]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    account: str
    rules: tuple[str, ...]
    play: Callable[[Scene, datetime], None]


# -- 2. a bucket made public ---------------------------------------------------------------


def _public_bucket(scene: Scene, at: datetime) -> None:
    """An administrator "just sharing a file": the bucket's public access block removed and
    a policy that lets anyone read every object."""
    t = scene.targets
    acct, bucket = t.account("dev"), t.data_bucket("data-hardened")
    who = scene.user("cw-lab-admin-user")
    host = f"{bucket}.s3.us-east-1.amazonaws.com"
    agent = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off"
    kw: dict[str, Any] = {"ip": INSIDER_IP, "resources": s3_resources(acct, bucket)}
    request: dict[str, Any] = {"bucketName": bucket, "Host": host, "policy": ""}
    error = ("NoSuchBucketPolicy", "The bucket policy does not exist")
    extra = s3_extra(scene.forge)
    scene.call(who, at, "s3", "GetBucketPolicy", agent=f"{agent} command/s3api.get-bucket-policy", request=request, error=error, extra=extra, **kw)  # fmt: skip
    when = scene.later(at, 20, 50)
    request = {"publicAccessBlock": "", "bucketName": bucket, "Host": host}
    agent_del = f"{agent} command/s3api.delete-public-access-block"
    scene.call(who, when, "s3", "DeleteBucketPublicAccessBlock", agent=agent_del, request=request, extra=s3_extra(scene.forge), **kw)  # fmt: skip
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ShareWithPartner",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    request = {"bucketPolicy": policy, "bucketName": bucket, "Host": host, "policy": ""}
    when = scene.later(when, 30, 90)
    agent_put = f"{agent} command/s3api.put-bucket-policy"
    scene.call(who, when, "s3", "PutBucketPolicy", agent=agent_put, request=request, extra=s3_extra(scene.forge), **kw)  # fmt: skip


# -- 4. the root user ------------------------------------------------------------------------


def _root(scene: Scene, at: datetime) -> None:
    """Someone signs in as the management account's root user without MFA, looks around and
    creates a root access key."""
    acct = scene.targets.account("management")
    login = Principal("Root", acct, principal_id=acct)
    scene.records.append(
        console_login(scene.forge, login, at, ip=ROOT_IP, agent=BROWSER, mfa=False)
    )
    who = Principal(
        "Root", acct, principal_id=acct, access_key=scene.forge.key_id("ASIA"), session_start=at
    )
    kw: dict[str, Any] = {
        "ip": ROOT_IP,
        "agent": "AWS Internal",
        "extra": {"sessionCredentialFromConsole": "true"},
    }
    when = at
    for service, name in (
        ("iam", "GetAccountSummary"),
        ("iam", "ListMFADevices"),
        ("organizations", "ListAccounts"),
        ("account", "GetContactInformation"),
    ):
        when = scene.later(when, 15, 60)
        scene.call(who, when, service, name, **kw)
    when = scene.later(when, 30, 90)
    response = {
        "accessKey": {
            "accessKeyId": scene.forge.key_id("AKIA"),
            "status": "Active",
            "createDate": iam_date(when),
        }
    }
    scene.call(who, when, "iam", "CreateAccessKey", response=response, **kw)


# -- 5. logging turned off ---------------------------------------------------------------------


def _logging_off(scene: Scene, at: datetime) -> None:
    """The management account's trail stopped, then deleted, by a role session that has no
    business doing either (the member accounts' SCP forbids it; the management account is
    not subject to SCPs)."""
    t = scene.targets
    acct, trail = t.account("management"), t.trail_name("management")
    arn = f"arn:aws:cloudtrail:us-east-1:{acct}:trail/{trail}"
    who = scene.role("cw-lab-security-responder", "maintenance", at - timedelta(minutes=12))
    kw: dict[str, Any] = {"ip": ATTACKER_IP, "agent": BOTO}
    scene.call(who, at, "cloudtrail", "DescribeTrails", **kw)
    when = scene.later(at, 10, 30)
    scene.call(who, when, "cloudtrail", "GetTrailStatus", request={"name": arn}, **kw)
    resources = [{"accountId": acct, "type": "AWS::CloudTrail::Trail", "ARN": arn}]
    when = scene.later(when, 10, 30)
    scene.call(who, when, "cloudtrail", "StopLogging", request={"name": arn}, resources=resources, **kw)  # fmt: skip
    when = scene.later(when, 60, 180)
    scene.call(who, when, "cloudtrail", "DeleteTrail", request={"name": arn}, resources=resources, **kw)  # fmt: skip


# -- 6. privilege escalation through a policy version -------------------------------------------


def _policy_version(scene: Scene, at: datetime) -> None:
    """A read-only user writes a new version of a customer managed policy granting everything
    and makes it the default: iam:CreatePolicyVersion is all the escalation needs."""
    t = scene.targets
    arn = f"arn:aws:iam::{t.account('dev')}:policy/cw-lab-scoped-writer"
    who = scene.user("cw-lab-direct-policy")
    agent = "aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0-1056-aws exe/x86_64.ubuntu.22 prompt/off"
    kw: dict[str, Any] = {"ip": INSIDER_IP}
    scene.call(who, at, "iam", "GetPolicy", agent=f"{agent} command/iam.get-policy", request={"policyArn": arn}, **kw)  # fmt: skip
    when = scene.later(at, 10, 40)
    scene.call(who, when, "iam", "ListPolicyVersions", agent=f"{agent} command/iam.list-policy-versions", request={"policyArn": arn}, **kw)  # fmt: skip
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}  # fmt: skip
    request = {"policyArn": arn, "policyDocument": json.dumps(doc), "setAsDefault": True}
    when = scene.later(when, 20, 60)
    response = {
        "policyVersion": {
            "versionId": "v2",
            "isDefaultVersion": True,
            "createDate": iam_date(when),
        }
    }
    scene.call(who, when, "iam", "CreatePolicyVersion", agent=f"{agent} command/iam.create-policy-version", request=request, response=response, **kw)  # fmt: skip


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "leaked-access-key",
        "A leaked access key used from a new address: recon, refusals, a key for another user",
        "dev",
        ("cw-recon-burst", "cw-access-denied-burst", "cw-access-key-for-other-user"),
        leaked_key,
    ),
    Scenario(
        "public-bucket",
        "A bucket's public access block removed and a policy letting anyone read it",
        "dev",
        ("cw-s3-bpa-removed", "cw-s3-bucket-policy-public"),
        _public_bucket,
    ),
    Scenario(
        "crypto-mining",
        "Stolen instance credentials launch a GPU instance that talks to a mining pool",
        "prod",
        (
            "cw-ec2-credentials-outside-aws",
            "cw-sg-open-world",
            "cw-ec2-unusual-instance-type",
            "cw-flow-mining-pool-port",
        ),
        crypto_mining,
    ),
    Scenario(
        "root-usage",
        "The management account's root user signs in without MFA and creates an access key",
        "management",
        (
            "cw-root-console-login",
            "cw-console-login-no-mfa",
            "cw-root-api-call",
            "cw-root-access-key-created",
        ),
        _root,
    ),
    Scenario(
        "logging-disabled",
        "The management account's trail stopped, then deleted",
        "management",
        ("cw-cloudtrail-stopped", "cw-cloudtrail-deleted"),
        _logging_off,
    ),
    Scenario(
        "policy-version-escalation",
        "A read-only user makes a new all-powerful policy version the default",
        "dev",
        ("cw-policy-version-default",),
        _policy_version,
    ),
)
