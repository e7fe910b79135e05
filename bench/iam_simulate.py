"""Throughput of the IAM engine, printed with ratios against baselines measured in the same run.

(a) Batch lines that each carry their own policies, decided through the batch path
    (``run_batch``: JSON decode, check every policy, decide per line), in two variants:
    every identity, boundary and bucket policy text unique (the organisation's SCPs and
    RCPs are the same on every line, as in a real organisation), and policies repeated
    across lines as in real batches. A line with new policies is decided in one pass over
    its JSON (``cloudwarden.iam.batch_fast``); a line whose policies come back is decided
    by the policy set compiled for them. Next to each, the differential oracle
    (``@cloud-copilot/iam-simulate`` in ``dev/oracle``, run by node as an outside
    program) on the same lines, when it is installed.
(b) One realistic account compiled once (500 principals, their groups, managed policies
    and boundaries, three SCP levels, an RCP, bucket, key and trust policies), then
    1,000,000 requests: the path of account mode and ``who-can``.

Rates are CPU seconds of one process (one core). The oracle's rate is its own decision
loop (JSON parse and ``runSimulation`` per line, module loading excluded). In (b) the
compiled account is moved out of the collector's way (``gc.freeze``) before timing, as a
long-running account-mode process would do; without it the collector's rescans of the
caches left by (a) cost about a quarter of the rate.

    python bench/iam_simulate.py [--lines 100000] [--requests 1000000] [--oracle-lines N]
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from cloudwarden.iam import Request, run_batch
from cloudwarden.iam.account import AccountPolicies
from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.testing import make_resource, make_snapshot

ACCT = "111122223333"
ORG = "o-benchorg01"
ORACLE = Path(__file__).resolve().parents[1] / "dev" / "oracle"
DOCUMENTED_ORACLE = (1_000, 1_400)
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
Json = dict[str, Any]


def clock() -> datetime:
    return NOW


def _doc(*statements: Json) -> Json:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any, **extra: Any) -> Json:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action: Any, resource: Any, **extra: Any) -> Json:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


MFA_GUARD = _deny(["iam:*", "sts:*"], "*",
                  Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})  # fmt: skip
TLS_ONLY = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
FULL_ACCESS = _doc(_allow("*", "*"))
REGION_GUARD = _doc(_deny("*", "*", Condition={"StringNotEquals": {
    "aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}))  # fmt: skip
PERIMETER = _doc({"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "kms:*", "sqs:*"],
                  "Resource": "*", "Condition": {
                      "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                      "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}})  # fmt: skip


# -- (a) batch lines ------------------------------------------------------------------
def _identity(tag: str) -> Json:
    """A team policy: data buckets, a queue, a table, MFA for IAM."""
    return _doc(
        _allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::data-{tag}",
                                                   f"arn:aws:s3:::data-{tag}/*"]),
        _allow("s3:PutObject", f"arn:aws:s3:::data-{tag}/${{aws:username}}/*"),
        _allow(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:*:{ACCT}:jobs-{tag}",
               Condition={"StringEquals": {"aws:PrincipalTag/team": tag}}),
        _allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCT}:table/orders-{tag}"),
        MFA_GUARD,
    )  # fmt: skip


def _boundary(tag: str) -> Json:
    return _doc(_allow(["s3:*", "sqs:*", "dynamodb:*", "kms:Decrypt"], "*"),
                _deny("iam:*", "*", Sid=f"NoIam{tag}"))  # fmt: skip


def _bucket(tag: str) -> Json:
    return _doc(
        {"Sid": f"Readers{tag}", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/reader-{tag}"},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::data-{tag}/*"}, TLS_ONLY)  # fmt: skip


def _line(rng: random.Random, index: int, tag: Callable[[str], str]) -> Json:
    team = rng.randrange(100)
    user = rng.randrange(50)
    who = (f"arn:aws:iam::{ACCT}:user/u{user}" if rng.random() < 0.6
           else f"arn:aws:sts::{ACCT}:assumed-role/reader-{tag(f't{team}')}/s{user}")  # fmt: skip
    action, resource = rng.choice([
        ("s3:GetObject", f"arn:aws:s3:::data-{tag(f't{team}')}/u{user}/k{index % 97}"),
        ("s3:PutObject", f"arn:aws:s3:::data-{tag(f't{team}')}/u{user}/k"),
        ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCT}:jobs-{tag(f't{team}')}"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCT}:table/orders-{tag(f't{team}')}"),
        ("iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/u{user}"),
    ])  # fmt: skip
    line: Json = {
        "id": f"l{index}", "principal": who, "action": action, "resource": resource,
        "resource_account": ACCT,
        "context": {"aws:SecureTransport": "true", "aws:PrincipalTag/team": tag(f"t{team}"),
                    "aws:MultiFactorAuthPresent": rng.choice(["true", "false"]),
                    "aws:RequestedRegion": "eu-west-1", "aws:PrincipalOrgID": ORG},
        "identity_policies": [_identity(tag(f"t{team}")), _identity(tag(f"t{(team + 1) % 100}"))],
        "scps": [[FULL_ACCESS], [FULL_ACCESS, REGION_GUARD], [FULL_ACCESS]],
    }  # fmt: skip
    if rng.random() < 0.3:
        line["permission_boundary"] = _boundary(tag(f"t{team}"))
    if action.startswith("s3:"):
        line["resource_policy"] = _bucket(tag(f"t{team}"))
        line["rcps"] = [[PERIMETER]]
    return line


def batch_lines(count: int, unique: bool, seed: int = 7) -> list[str]:
    """``count`` lines; with ``unique`` every policy text differs from every other line's."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        suffix = f"-{i}" if unique else ""

        def tag(name: str, suffix: str = suffix) -> str:
            return name + suffix

        lines.append(orjson.dumps(_line(rng, i, tag)).decode())
    return lines


def ours(lines: list[str]) -> tuple[float, dict[str, int]]:
    out = io.StringIO()
    start = time.process_time()
    run_batch(lines, out, clock=clock)
    seconds = time.process_time() - start
    counts: dict[str, int] = {}
    for text in out.getvalue().splitlines():
        decision = orjson.loads(text).get("decision", "error")
        counts[decision] = counts.get(decision, 0) + 1
    return len(lines) / seconds, counts


def oracle(lines: list[str]) -> float | None:
    if not (ORACLE / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        return None
    proc = subprocess.run(["node", str(ORACLE / "oracle.mjs")], input="\n".join(lines).encode(),
                          capture_output=True, check=True, cwd=ORACLE)  # fmt: skip
    return float(orjson.loads(proc.stderr.splitlines()[-1])["per_second"])


def bench_batch(count: int, oracle_lines: int) -> None:
    for unique in (True, False):
        lines = batch_lines(count, unique)
        rate, counts = ours(lines)
        sample = lines if oracle_lines <= 0 else lines[:oracle_lines]
        theirs = oracle(sample)
        label = "unique policies   " if unique else "repeated policies "
        print(f"(a) {label} {len(lines):>9,} lines  cloudwarden {rate:>10,.0f} lines/s  {counts}")
        if theirs is None:
            low, high = DOCUMENTED_ORACLE
            print(f"    oracle not installed: ratio {rate / high:.1f}x-{rate / low:.1f}x against "
                  f"the documented {low:,}-{high:,}/s")  # fmt: skip
        else:
            print(f"    oracle (iam-simulate) on {len(sample):,} of the same lines: "
                  f"{theirs:>10,.0f} lines/s  ratio {rate / theirs:.1f}x")  # fmt: skip


# -- (b) one account, many requests ---------------------------------------------------
def _managed(name: str, document: Json) -> Any:
    arn = f"arn:aws:iam::{ACCT}:policy/{name}"
    data = {"Arn": arn, "PolicyName": name, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True,
                                   "Document": document}]}  # fmt: skip
    return make_resource("AWS::IAM::ManagedPolicy", arn, data, account=ACCT, region="global")


def _principal(kind: str, i: int, rng: random.Random) -> Any:
    name = f"{kind}{i}"
    arn = f"arn:aws:iam::{ACCT}:{kind}/{name}"
    data: Json = {"Arn": arn, f"{kind.capitalize()}Name": name, "Path": "/",
                  "AttachedManagedPolicies": [{"PolicyArn": f"arn:aws:iam::{ACCT}:policy/team{i % 20}"}],
                  "Tags": [{"Key": "team", "Value": f"t{i % 20}"}]}  # fmt: skip
    inline = [{"PolicyName": "own", "PolicyDocument": _identity(f"t{i % 20}")}]
    if kind == "user":
        data["UserPolicyList"] = inline
        data["GroupList"] = [f"g{i % 10}", f"g{(i + 3) % 10}"]
    else:
        data["RolePolicyList"] = inline
        data["AssumeRolePolicyDocument"] = _doc({"Effect": "Allow", "Principal": {"AWS": ACCT},
                                                 "Action": "sts:AssumeRole"})  # fmt: skip
    if rng.random() < 0.3:
        data["PermissionsBoundary"] = {
            "PermissionsBoundaryArn": f"arn:aws:iam::{ACCT}:policy/boundary"
        }
    return make_resource(f"AWS::IAM::{kind.capitalize()}", arn, data, account=ACCT, region="global")


def _org() -> list[Any]:
    def policy(pid: str, kind: str, content: Json, target: str) -> Any:
        arn = f"arn:aws:organizations::999988887777:policy/{ORG}/{pid}"
        data = {"Id": pid, "Type": kind, "Content": content, "Targets": [{"TargetId": target}]}
        return make_resource("AWS::Organizations::Policy", arn, data, account="999988887777")

    scp = "SERVICE_CONTROL_POLICY"
    return [policy("p-full", scp, FULL_ACCESS, "r-root"), policy("p-ou", scp, FULL_ACCESS, "ou-a"),
            policy("p-region", scp, REGION_GUARD, "ou-a"), policy("p-acct", scp, FULL_ACCESS, ACCT),
            policy("p-rcp", "RESOURCE_CONTROL_POLICY", PERIMETER, "r-root")]  # fmt: skip


def account_snapshot(seed: int = 11) -> Snapshot:
    """500 principals (400 users in 10 groups, 100 roles), 22 managed policies, SCPs on three
    levels, an RCP, 100 bucket policies and 20 KMS key policies."""
    rng = random.Random(seed)
    resources = [_principal("user", i, rng) for i in range(400)]
    resources += [_principal("role", i, rng) for i in range(100)]
    resources += [_managed(f"team{t}", _identity(f"t{t}")) for t in range(20)]
    resources.append(_managed("boundary", _boundary("b")))
    resources += [make_resource("AWS::IAM::Group", f"arn:aws:iam::{ACCT}:group/g{g}",
                                {"GroupName": f"g{g}", "GroupPolicyList": [
                                    {"PolicyName": "g", "PolicyDocument": _identity(f"t{g}")}]},
                                account=ACCT, region="global") for g in range(10)]  # fmt: skip
    resources += [make_resource("AWS::S3::Bucket", f"arn:aws:s3:::data-t{b}",
                                {"Policy": _bucket(f"t{b % 20}")}, account=ACCT) for b in range(100)]  # fmt: skip
    key = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                "Action": "kms:*", "Resource": "*"})  # fmt: skip
    resources += [make_resource("AWS::KMS::Key", f"arn:aws:kms:us-east-1:{ACCT}:key/k{k}",
                                {"Policy": key}, account=ACCT) for k in range(20)]  # fmt: skip
    snapshot = make_snapshot([*resources, *_org()], accounts=(ACCT,))
    info = AccountInfo(id=ACCT, ou_path=("r-root", "ou-a"), regions=("us-east-1",))
    return snapshot.model_copy(update={"accounts": (info,), "organization": {"id": ORG}})


POOL = 5_000


def account_requests(seed: int = 13) -> list[tuple[str, str, str, dict[str, str]]]:
    """``POOL`` distinct requests over the account's principals and resources; the bench
    cycles through them (a list of a million tuples would only measure the collector)."""
    rng = random.Random(seed)
    pool = []
    for _ in range(POOL):
        i = rng.randrange(500)
        who = (
            f"arn:aws:iam::{ACCT}:user/user{i}"
            if i < 400
            else f"arn:aws:iam::{ACCT}:role/role{i - 400}"
        )
        bucket = rng.randrange(100)
        action, resource = rng.choice([
            ("s3:GetObject", f"arn:aws:s3:::data-t{bucket}/user{i}/k"),
            ("s3:PutObject", f"arn:aws:s3:::data-t{bucket}/user{i}/k"),
            ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCT}:key/k{bucket % 20}"),
            ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCT}:jobs-t{i % 20}"),
            ("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/role{bucket}"),
        ])  # fmt: skip
        context = {"aws:PrincipalTag/team": f"t{i % 20}", "aws:PrincipalOrgID": ORG,
                   "aws:SecureTransport": "true", "aws:RequestedRegion": "eu-west-1"}  # fmt: skip
        pool.append((who, action, resource, context))
    return pool


def bench_account(count: int) -> None:
    start = time.process_time()
    accounts = AccountPolicies(account_snapshot())
    requests = account_requests()
    compiled = {
        (p, r): accounts.compiled(p, r, trust=a == "sts:AssumeRole") for p, a, r, _ in requests
    }
    prepared = [(compiled[(p, r)], Request(p, a, r, c, clock=clock)) for p, a, r, c in requests]
    for policy_set, request in prepared:  # first use builds each set's per-action plan
        policy_set.decide(request)
    setup = time.process_time() - start
    gc.collect()
    gc.freeze()  # the compiled account is long-lived: keep the collector from rescanning it
    start = time.process_time()
    for i in range(count):
        policy_set, request = prepared[i % POOL]
        policy_set.decide(request)
    fast = count / (time.process_time() - start)
    start = time.process_time()
    for i in range(count):
        principal, action, resource, context = requests[i % POOL]
        accounts.decide(principal, action, resource, context)
    mode = count / (time.process_time() - start)
    counts: dict[str, int] = {}
    for policy_set, request in prepared:
        decision = policy_set.decide(request)
        counts[decision] = counts.get(decision, 0) + 1
    print(f"(b) account of 500 principals: {len(compiled):,} (principal, resource) sets compiled in "
          f"{setup:.2f}s  decisions on the 5,000 distinct requests: {counts}")  # fmt: skip
    print(f"    {count:>9,} requests, compiled fast path: {fast:>10,.0f} decisions/s  "
          f"ratio {fast / 100_000:.2f}x the 100,000/s target")  # fmt: skip
    print(f"    {count:>9,} requests through AccountPolicies.decide: {mode:>10,.0f} decisions/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--oracle-lines", type=int, default=20_000,
                        help="lines given to the oracle (0: all); it decides ~1,000/s")  # fmt: skip
    args = parser.parse_args()
    bench_batch(args.lines, args.oracle_lines)
    bench_account(args.requests)


if __name__ == "__main__":
    main()
