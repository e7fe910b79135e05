"""Dry run proven at the emulator: planning the S3, EC2, security-group, CloudTrail and
GuardDuty actions sends the lab no mutating request, while applying the same plans
sends exactly the planned calls.

Two independent records are compared: the ``before-call`` hook on the actions' own
session (``env.recorder``) and moto's request recorder, which logs every HTTP request
the emulator receives. For the query (EC2) and JSON (CloudTrail) protocols the request
names its operation; for the REST ones (S3, GuardDuty) a read is a GET or HEAD.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from moto.moto_api import recorder

from cloudwarden.respond.actions import all_actions, get_action, is_read_only

MODULES = {
    "cloudwarden.respond.actions.s3",
    "cloudwarden.respond.actions.ec2",
    "cloudwarden.respond.actions.ec2_quarantine",
    "cloudwarden.respond.actions.ec2_forensics",
    "cloudwarden.respond.actions.security_groups",
    "cloudwarden.respond.actions.cloudtrail",
    "cloudwarden.respond.actions.guardduty",
}


def _vulnerable(env: Any) -> dict[str, dict[str, Any]]:
    """One resource in need of containment per action, and the action's params for it."""
    s3, ec2, iam = env.client("s3"), env.client("ec2"), env.client("iam")
    bucket = env.name("leaky")
    s3.create_bucket(Bucket=bucket)
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [public]}))
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")

    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=env.name("open"), Description="o", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    nic = {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group["GroupId"]]}
    instance = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, NetworkInterfaces=[nic]
    )["Instances"][0]["InstanceId"]
    profile = env.name("profile")
    arn = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Arn"]
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Arn": arn}, InstanceId=instance)

    trail_bucket = env.name("trail-logs")
    s3.create_bucket(Bucket=trail_bucket)
    trail = env.name("trail")
    env.client("cloudtrail").create_trail(Name=trail, S3BucketName=trail_bucket)
    detector = env.client("guardduty").create_detector(Enable=False)["DetectorId"]

    return {
        "s3.block_public_access": {"bucket": bucket},
        "s3.remove_public_policy_statements": {"bucket": bucket},
        "s3.remove_public_acl_grants": {"bucket": bucket},
        "ec2.quarantine_instance": {"instance_id": instance},
        "ec2.detach_instance_profile": {"instance_id": instance},
        "ec2.snapshot_volumes": {"instance_id": instance, "incident": "IR-7"},
        "ec2.tag_instance": {"instance_id": instance, "tags": {"cloudwarden:incident": "IR-7"}},
        "ec2.stop_instance": {"instance_id": instance},
        "ec2.revoke_open_ingress": {"group_id": group["GroupId"]},
        "cloudtrail.start_logging": {"trail_name": trail},
        "cloudtrail.restore_trail": {
            "trail_name": trail,
            "settings": {"LogFileValidationEnabled": True, "IsMultiRegionTrail": True},
        },
        "guardduty.enable_detector": {"detector_id": detector},
    }


def _moto_api(env: Any, path: str) -> bytes:
    endpoint = env.aws.options.endpoint_url
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{path}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        return bytes(resp.read())


@pytest.fixture
def emulator_log(env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """moto's recorder, writing to a file of this test's own (it lives in this process)."""
    log = tmp_path / "requests.jsonl"
    monkeypatch.setattr(recorder, "_location", str(log))
    _moto_api(env, "reset-recording")
    try:
        yield log
    finally:
        _moto_api(env, "stop-recording")


def _operation(entry: dict[str, Any]) -> tuple[str, bool]:
    """What one recorded request was, and whether it could change anything."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    if "x-amz-target" in headers:
        operation = str(headers["x-amz-target"]).rsplit(".", 1)[-1]
        return operation, not is_read_only(operation)
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    action = parse_qs(body).get("Action")
    if action:
        return action[0], not is_read_only(action[0])
    method = str(entry["method"])
    return f"{method} {entry['url'].split('?')[0]}", method not in ("GET", "HEAD")


def _received(log: Path) -> list[tuple[str, bool]]:
    if not log.exists():
        return []
    return [_operation(json.loads(line)) for line in log.read_text().splitlines() if line]


def test_the_dry_run_covers_every_action_of_these_modules(env: Any) -> None:
    ours = {a.name for a in all_actions() if type(a).__module__ in MODULES}
    assert ours == set(_vulnerable(env))


def test_planning_sends_the_emulator_no_mutating_request(env: Any, emulator_log: Path) -> None:
    cases = _vulnerable(env)
    env.recorder.clear()
    _moto_api(env, "start-recording")
    plans = [get_action(name).plan(env.aws, params) for name, params in cases.items()]
    _moto_api(env, "stop-recording")

    assert all(p.mutating_calls and not p.noop for p in plans)  # each would change something
    received = _received(emulator_log)
    assert received, "the emulator recorded nothing"
    assert [op for op, mutating in received if mutating] == []
    assert env.recorder.calls and env.recorder.mutating == []
    assert len(received) == len(env.recorder.calls)  # both records saw the same requests


def test_apply_sends_exactly_the_planned_calls(env: Any, emulator_log: Path) -> None:
    cases = _vulnerable(env)
    plans = [get_action(name).plan(env.aws, params) for name, params in cases.items()]
    for plan in plans:
        env.recorder.clear()
        _moto_api(env, "reset-recording")
        _moto_api(env, "start-recording")
        get_action(plan.action).apply(env.aws, plan)
        _moto_api(env, "stop-recording")
        planned = [c.operation for c in plan.calls]
        assert [op for _service, op in env.recorder.mutating] == planned, plan.action
        assert sum(1 for _op, mutating in _received(emulator_log) if mutating) == len(planned)
