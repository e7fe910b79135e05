"""Time to contain: from the attack's CloudTrail file landing to containment seen in AWS.

Starts the lab emulator, then the two watchers a user runs, with the arguments a user
gives them (one store):

* ``cloudwarden detect watch FOLDER --interval 0.1 --settle 0`` — new log files → the
  built-in rules → alerts recorded in the store;
* ``cloudwarden respond watch --environment lab --interval 0.1`` with a responder
  configuration in ``auto`` mode — new alerts → the shipped routes → the playbook.

By default both run in this process (``detect watch`` in the main thread, ``respond
watch`` in another), through the same CLI entry point as the commands; ``--processes``
runs them as two ``cloudwarden`` processes instead, as a user would: DuckDB lets one
process at a time open the store, so a poll that finds it busy waits for the next one
(a slower figure now and then is such a wait).

For each lab scenario it arranges the vulnerable resource, writes the attack's CloudTrail
record into the watched folder as CloudTrail delivers it (a gzip ``Records`` file under
``AWSLogs/…``, written to a temporary name and renamed, as S3 makes an object appear
whole), and polls the AWS API every 100 ms until the containment is visible there (key
deactivated or deleted, Block Public Access on, world-open rule revoked, instance isolated, trail logging,
deletion cancelled, deny policy on the role). The target is the issue's: under 5 s per
incident with ``respond watch`` running. Both watchers and the API check poll every
100 ms, so up to 0.3 s of each figure is waiting for a poll.

    python bench/respond.py [--repeat N] [--timeout SECONDS] [--processes]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from cloudwarden.cli.main import main as cli_main
from cloudwarden.lab.attacks.records import Forge, Principal, api_call
from cloudwarden.lab.server import LabServer, free_port

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
AMI = "ami-12c6146b"  # one of the images moto ships
TARGET_S = 5.0
POLL_S = 0.1
FORGE = Forge("bench-respond")
EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

Clients = Callable[[str], Any]
Result = tuple[str, float]
Scenario = Callable[[Clients], tuple[dict[str, Any], Callable[[], bool]]]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _call(who: Principal, service: str, name: str, request: dict[str, Any]) -> dict[str, Any]:
    return api_call(
        FORGE,
        who,
        datetime.now(UTC),
        service,
        name,
        region=REGION,
        ip="185.220.101.47",
        agent="aws-cli/2.15.30",
        request=request,
    )


def _mallory() -> Principal:
    return Principal("IAMUser", ACCOUNT, name="mallory", access_key=FORGE.key_id("AKIA"))


# --- scenarios: arrange the resource, return (attack record, "is it contained?") --------


def access_key(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    iam = c("iam")
    user, victim = _name("dev"), _name("victim")
    iam.create_user(UserName=user)
    iam.create_user(UserName=victim)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    who = Principal("IAMUser", ACCOUNT, name=user, access_key=key)
    record = _call(who, "iam", "CreateAccessKey", {"userName": victim})

    def contained() -> bool:
        keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        return all(k["Status"] == "Inactive" for k in keys)

    return record, contained


def role_session(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    iam = c("iam")
    role = _name("app")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)
    who = Principal(
        "AssumedRole",
        ACCOUNT,
        name=role,
        principal_id="AROABENCH" + role[-6:].upper(),
        access_key=FORGE.key_id(),
        session="attacker",
        session_start=datetime.now(UTC),
    )
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{_name('boundary')}"
    record = _call(who, "iam", "SetDefaultPolicyVersion", {"policyArn": arn, "versionId": "v2"})

    def contained() -> bool:
        return bool(iam.list_role_policies(RoleName=role)["PolicyNames"])

    return record, contained


def public_bucket(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    s3 = c("s3")
    bucket = _name("exports")
    s3.create_bucket(Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    request = {"bucketName": bucket, "bucketPolicy": policy}
    record = _call(_mallory(), "s3", "PutBucketPolicy", request)

    def contained() -> bool:
        try:
            bpa = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except s3.exceptions.ClientError:
            return False
        return all(bpa.values())

    return record, contained


def open_security_group(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    ec2 = c("ec2")
    group_id = ec2.create_security_group(GroupName=_name("web"), Description="bench")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    permission = {
        "ipProtocol": "tcp",
        "fromPort": 22,
        "toPort": 22,
        "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
    }
    request = {"groupId": group_id, "ipPermissions": {"items": [permission]}}
    record = _call(_mallory(), "ec2", "AuthorizeSecurityGroupIngress", request)

    def contained() -> bool:
        [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        ranges = [r for p in group["IpPermissions"] for r in p["IpRanges"]]
        return all(r.get("CidrIp") != "0.0.0.0/0" for r in ranges)

    return record, contained


def compromised_instance(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    ec2 = c("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    group_id = ec2.create_security_group(GroupName=_name("app"), Description="bench", VpcId=vpc)[
        "GroupId"
    ]
    instance_id = ec2.run_instances(
        ImageId=AMI,
        MinCount=1,
        MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group_id]}],
    )["Instances"][0]["InstanceId"]
    request = {"instanceId": instance_id, "userData": "<sensitiveDataRemoved>"}
    record = _call(_mallory(), "ec2", "ModifyInstanceAttribute", request)

    def contained() -> bool:
        found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
        enis = found["Instances"][0]["NetworkInterfaces"]
        names = {g["GroupName"] for eni in enis for g in eni["Groups"]}
        return names == {"cloudwarden-quarantine"}

    return record, contained


def stopped_trail(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    s3, cloudtrail = c("s3"), c("cloudtrail")
    bucket, trail = _name("trail-logs"), _name("trail")
    s3.create_bucket(Bucket=bucket)
    cloudtrail.create_trail(Name=trail, S3BucketName=bucket)
    record = _call(_mallory(), "cloudtrail", "StopLogging", {"name": trail})

    def contained() -> bool:
        return bool(cloudtrail.get_trail_status(Name=trail)["IsLogging"])

    return record, contained


def key_deletion(c: Clients) -> tuple[dict[str, Any], Callable[[], bool]]:
    kms = c("kms")
    key_id = kms.create_key(Description=_name("bench"))["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
    request = {"keyId": arn, "pendingWindowInDays": 7}
    record = _call(_mallory(), "kms", "ScheduleKeyDeletion", request)

    def contained() -> bool:
        return bool(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled")

    return record, contained


SCENARIOS: dict[str, Scenario] = {
    "compromised-access-key": access_key,
    "compromised-role-session": role_session,
    "s3-public-bucket": public_bucket,
    "security-group-open": open_security_group,
    "ec2-compromised-instance": compromised_instance,
    "cloudtrail-logging-stopped": stopped_trail,
    "kms-key-deletion": key_deletion,
}


# --- the watchers and one timed incident ---------------------------------------------


def deliver(root: Path, record: dict[str, Any]) -> None:
    """Write one CloudTrail log file whole: a temporary name, then a rename."""
    now = datetime.now(UTC)
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION / now.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{ACCOUNT}_CloudTrail_{REGION}_{now:%Y%m%dT%H%MZ}_{uuid.uuid4().hex[:16]}.json.gz"
    tmp = root / f".{name}.part"
    tmp.write_bytes(gzip.compress(json.dumps({"Records": [record]}).encode()))
    tmp.rename(folder / name)


def watch_args(work: Path, endpoint: str) -> tuple[list[str], list[str]]:
    """The two commands' arguments (after ``cloudwarden``): detect watch, respond watch."""
    config = work / "respond.yml"
    config.write_text("mode: auto\n")
    db = str(work / "store.duckdb")
    detect = ["detect", "watch", str(work / "trail" / "AWSLogs"), "--interval", str(POLL_S)]
    detect += ["--settle", "0", "--state", str(work / "detect-state.json"), "--db", db]
    detect += ["--sink", f"file:{work / 'alerts.jsonl'}", "--quiet"]
    respond = ["respond", "watch", "--environment", "lab", "--interval", str(POLL_S)]
    respond += ["--db", db, "--config", str(config), "--endpoint-url", endpoint]
    return detect, respond


def start_processes(work: Path, endpoint: str) -> list[subprocess.Popen[bytes]]:
    """Both watchers as the two commands a user types, each in its own process."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    exe = str(Path(sys.executable).with_name("cloudwarden"))  # the installed command
    procs = []
    for argv, name in zip(watch_args(work, endpoint), ("detect", "respond"), strict=True):
        with open(work / f"{name}.log", "wb") as log:
            procs.append(subprocess.Popen([exe, *argv], env=env, stdout=log, stderr=log))
    return procs


def timed_incident(root: Path, clients: Clients, scenario: Scenario, timeout: float) -> float:
    record, contained = scenario(clients)
    assert not contained(), "the scenario starts contained"
    start = time.perf_counter()
    deliver(root, record)
    while time.perf_counter() - start < timeout:
        if contained():
            return time.perf_counter() - start
        time.sleep(POLL_S)
    return float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="incidents per scenario")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up after (s)")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="run the watchers as two cloudwarden processes (default: two threads of one)",
    )
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")

    server = LabServer(free_port()).start()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-respond-"))
    try:
        (work / "trail" / "AWSLogs").mkdir(parents=True)
        run = _in_processes if args.processes else _in_threads
        results = run(work, server.endpoint, args.repeat, args.timeout)
        code = _report(results, sys.__stdout__ or sys.stdout)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if not args.processes:
        # the respond watch thread stops only with the process (and would make its store
        # again if the process lived on)
        os._exit(code)
    return code


def _clients(endpoint: str) -> Clients:
    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)

    return client


def _in_processes(work: Path, endpoint: str, repeat: int, timeout: float) -> list[Result]:
    watchers = start_processes(work, endpoint)
    try:
        time.sleep(3.0)  # both watchers have loaded their rules and playbooks
        results = _run_all(work / "trail", _clients(endpoint), repeat, timeout)
    finally:
        for proc in watchers:
            proc.terminate()
            proc.wait(timeout=10)
    if any(t == float("inf") for _, t in results):
        for name in ("detect", "respond"):
            log = (work / f"{name}.log").read_text()[-2000:]
            print(f"--- {name} watch, end of its output ---\n{log}")
    return results


def _in_threads(work: Path, endpoint: str, repeat: int, timeout: float) -> list[Result]:
    """``detect watch`` in the main thread (it handles Ctrl-C there), ``respond watch`` and
    the timed incidents in two others; the watchers' output goes to a log file."""
    detect, respond = watch_args(work, endpoint)
    results: list[Result] = []
    out = sys.__stdout__ or sys.stdout

    def incidents() -> None:
        time.sleep(3.0)  # both watchers have loaded their rules and playbooks
        try:
            results.extend(_run_all(work / "trail", _clients(endpoint), repeat, timeout, out))
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # detect watch stops at Ctrl-C

    # `respond watch` has no stop but the end of the process (main() ends it with
    # os._exit), so the watchers' output stays redirected to the log until then
    log = open(work / "watch.log", "w")  # noqa: SIM115
    sys.stdout = sys.stderr = log
    responder = threading.Thread(target=cli_main, args=(respond,), daemon=True)
    timer = threading.Thread(target=incidents)
    responder.start()
    timer.start()
    cli_main(detect)
    timer.join()
    if not responder.is_alive() or any(t == float("inf") for _, t in results):
        log.flush()
        tail = (work / "watch.log").read_text()[-2000:]
        print(f"--- watch output, end ---\n{tail}", file=out)
    return results


def _run_all(
    trail: Path, clients: Clients, repeat: int, timeout: float, out: TextIO = sys.stdout
) -> list[Result]:
    results: list[Result] = []
    for _ in range(repeat):
        for name, scenario in SCENARIOS.items():
            seconds = timed_incident(trail, clients, scenario, timeout)
            results.append((name, seconds))
            verdict = "yes" if seconds < TARGET_S else "NO"
            line = f"{name:28} {seconds:6.2f} s   under {TARGET_S:.0f} s: {verdict}"
            print(line, file=out, flush=True)
    return results


def _report(results: list[Result], out: TextIO) -> int:
    times = [t for _, t in results]
    if not times:
        print("no incident was timed", file=out)
        return 1
    median = statistics.median(times)
    under = sum(t < TARGET_S for t in times)
    print(f"\n{len(times)} incidents, median {median:.2f} s, max {max(times):.2f} s", file=out)
    print(f"under {TARGET_S:.0f} s: {under}/{len(times)} (target: all)", file=out, flush=True)
    return 0 if under == len(times) else 1


if __name__ == "__main__":
    raise SystemExit(main())
