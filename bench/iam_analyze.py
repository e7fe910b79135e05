"""Privilege-escalation analysis of one large account, against Cloudsplaining on the same file.

A synthetic ``aws iam get-account-authorization-details`` output is written once: 5,000
principals (users, roles, groups) and 20,000 policies (customer-managed, some with older
versions, and inline), in the mix a grown account has: service roles with scoped data
access, roles that people assume (a quarter of them capped by a permissions boundary),
team groups, users who may assume a role of their team, a handful of admins, and
planted escalations, half on their target and half on ``*`` (policy versions,
self-attach, PassRole to Lambda and EC2, trust rewrites, access keys of an admin,
assuming an admin role). Then, in the same run:

- cloudwarden: ``load_authorization_details`` + ``analyze`` in this process (wall time),
  which decides every permission with the policy engine (resources, conditions, denies,
  boundaries) and returns escalation *paths*: principal → technique → target → … → admin;
- Cloudsplaining: ``cloudsplaining scan --input-file FILE --output DIR`` as a separate
  program (wall time), which flags risky actions *per policy* (privilege-escalation
  method names, data exfiltration, resource exposure) from the actions a policy lists,
  and computes no path between principals.

Cloudsplaining lives in its own virtual environment, outside the project:

    python3 -m venv /tmp/cs-venv && /tmp/cs-venv/bin/pip install cloudsplaining

    python bench/iam_analyze.py [--principals 5000] [--policies 20000] [--cloudsplaining PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCT = "111122223333"
CREATED = "2024-03-01T09:00:00Z"
CLOUDSPLAINING = (Path("/tmp/cs-venv/bin/cloudsplaining"),)
TARGET_SECONDS = 60.0
FIXED_ROLES = 4  # the admin roles the planted escalations aim at
AWS_POLICY = "arn:aws:iam::aws:policy/"
Json = dict[str, Any]

AWS_MANAGED: dict[str, Json] = {
    "AdministratorAccess": {"Effect": "Allow", "Action": "*", "Resource": "*"},
    "AWSLambdaBasicExecutionRole": {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    },
    "AmazonS3ReadOnlyAccess": {
        "Effect": "Allow",
        "Action": ["s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
        "Resource": "*",
    },
    "CloudWatchReadOnlyAccess": {
        "Effect": "Allow",
        "Action": ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Get*"],
        "Resource": "*",
    },
}
SERVICES = ("lambda", "ec2", "ecs-tasks", "glue", "codebuild", "states", "sagemaker")


def _doc(*statements: Json) -> Json:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any, **extra: Any) -> Json:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


def _trust(principal: Json, **extra: Any) -> Json:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


@dataclass
class Account:
    """The authorization details being generated, and how many policies are left to write."""

    rng: random.Random
    budget: int
    users: list[Json] = field(default_factory=list)
    groups: list[Json] = field(default_factory=list)
    roles: list[Json] = field(default_factory=list)
    policies: list[Json] = field(default_factory=list)
    planted: int = 0
    role_slots: int = 0

    def details(self) -> Json:
        return {
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": self.policies,
        }


# -- the everyday permissions of a grown account ----------------------------------------
def _team_role(acct: Account, team: str) -> str:
    """A role of ``team`` that people assume (it exists when the slot became a dev role)."""
    i = acct.rng.randrange(FIXED_ROLES, max(FIXED_ROLES + 8, acct.role_slots))
    i += (TEAMS.index(team) - i) % len(TEAMS) if team in TEAMS else 0
    return _arn("role", f"{team}-dev-{i}")


def _workload(acct: Account, team: str) -> list[Json]:
    """What a service, pipeline or person of ``team`` typically holds: scoped data access,
    and now and then a role of the team to assume."""
    rng = acct.rng
    n = rng.randrange(200)
    pool = [
        _allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{team}-data-{n}/*"),
        _allow("s3:ListBucket", f"arn:aws:s3:::{team}-data-{n}"),
        _allow(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            f"arn:aws:dynamodb:us-east-1:{ACCT}:table/{team}-{n}",
        ),
        _allow(
            ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
            f"arn:aws:sqs:us-east-1:{ACCT}:{team}-queue-{n}",
        ),
        _allow("sns:Publish", f"arn:aws:sns:us-east-1:{ACCT}:{team}-events"),
        _allow(
            ["kms:Decrypt", "kms:GenerateDataKey"],
            f"arn:aws:kms:us-east-1:{ACCT}:key/{n:08d}",
            Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        ),
        _allow(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:{team}/*",
        ),
        _allow(["ec2:Describe*", "cloudwatch:GetMetricData", "logs:FilterLogEvents"], "*"),
        _allow("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCT}:function:{team}-*"),
        _allow(
            ["ssm:GetParameter", "ssm:GetParameters"],
            f"arn:aws:ssm:us-east-1:{ACCT}:parameter/{team}/*",
        ),
        _allow("sts:AssumeRole", _team_role(acct, team)),
        _allow("s3:*", "*"),  # the over-broad statement every account has somewhere
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ]
    weights = [20, 12, 12, 8, 6, 8, 6, 10, 6, 6, 4, 2, 4]
    return rng.choices(pool, weights, k=rng.randint(1, 4))


TEAMS = ("payments", "search", "ledger", "catalog", "identity", "growth", "ml", "platform")


def _managed(
    acct: Account, name: str, statements: list[Json], older: list[Json] | None = None
) -> str:
    """A customer-managed policy (``older``: a previous, non-default version)."""
    arn = _arn("policy", name)
    versions = [
        {
            "Document": _doc(*statements),
            "VersionId": "v2" if older else "v1",
            "IsDefaultVersion": True,
            "CreateDate": CREATED,
        }
    ]
    if older is not None:
        versions.append(
            {
                "Document": _doc(*older),
                "VersionId": "v1",
                "IsDefaultVersion": False,
                "CreateDate": CREATED,
            }
        )
    acct.policies.append(
        {
            "PolicyName": name,
            "PolicyId": f"ANPA{len(acct.policies):016d}",
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": versions[0]["VersionId"],
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": CREATED,
            "UpdateDate": CREATED,
            "PolicyVersionList": versions,
        }
    )
    acct.budget -= 1
    return arn


def _attached(*arns: str) -> list[Json]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def _inline(acct: Account, statements: list[Json], k: int) -> list[Json]:
    acct.budget -= k
    return [{"PolicyName": f"inline-{i}", "PolicyDocument": _doc(*statements)} for i in range(k)]


def _aws_managed(acct: Account) -> None:
    for name, statement in AWS_MANAGED.items():
        acct.policies.append(
            {
                "PolicyName": name,
                "PolicyId": f"ANPAAWS{name.upper()[:12]}",
                "Arn": f"{AWS_POLICY}{name}",
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "CreateDate": CREATED,
                "UpdateDate": CREATED,
                "PolicyVersionList": [
                    {
                        "Document": _doc(statement),
                        "VersionId": "v1",
                        "IsDefaultVersion": True,
                        "CreateDate": CREATED,
                    }
                ],
            }
        )


# -- planted escalations ------------------------------------------------------------------
def _escalation(acct: Account, name: str, kind: str) -> tuple[list[Json], list[Json] | None]:
    """Statements that let ``name`` escalate, one technique picked at random, scoped to
    its target or (as often in real accounts) on ``*``; the second value is an admin
    version to keep as an older, non-default one (row 2)."""
    rng = acct.rng

    def on(arn: str) -> str:
        return "*" if rng.random() < 0.5 else arn

    own = on(_arn("policy", f"{name}-own"))
    choices: list[tuple[list[Json], list[Json] | None]] = [
        ([_allow("iam:CreatePolicyVersion", own)], None),
        ([_allow("iam:SetDefaultPolicyVersion", own)], [_allow("*", "*")]),
        (
            [
                _allow("iam:PassRole", on(_arn("role", "svc-lambda-admin"))),
                _allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
            ],
            None,
        ),
        (
            [
                _allow("iam:PassRole", on(_arn("role", "svc-ec2-admin"))),
                _allow("ec2:RunInstances", "*"),
            ],
            None,
        ),
        ([_allow("iam:CreateAccessKey", on(_arn("user", "admin-0")))], None),
        (
            [
                _allow(
                    ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
                    on(_arn("role", "locked-admin")),
                )
            ],
            None,
        ),
        ([_allow("sts:AssumeRole", _arn("role", "account-admin"))], None),
    ]
    self_arn = on(_arn(kind, name))
    if kind == "user":
        choices.append(([_allow(["iam:AttachUserPolicy", "iam:PutUserPolicy"], self_arn)], None))
    else:
        choices.append(([_allow("iam:PutRolePolicy", self_arn)], None))
    return rng.choice(choices)


def _statements_for(acct: Account, name: str, kind: str, team: str) -> tuple[list[str], list[Json]]:
    """Managed policy ARNs and inline statements for one principal."""
    rng = acct.rng
    arns: list[str] = []
    inline = _workload(acct, team)
    if rng.random() < 0.02:  # planted escalation, in a policy named after the principal
        statements, older = _escalation(acct, name, kind)
        arns.append(_managed(acct, f"{name}-own", statements, older))
        acct.planted += 1
    return arns, inline


# -- principals ------------------------------------------------------------------------------
def _groups(acct: Account, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = f"{TEAMS[i % len(TEAMS)]}-group-{i}"
        arns = [_managed(acct, f"{name}-policy", _workload(acct, TEAMS[i % len(TEAMS)]))]
        if i == 0:
            name, arns = "admins", [f"{AWS_POLICY}AdministratorAccess"]
        elif i % 10 == 1:
            arns.append(f"{AWS_POLICY}AmazonS3ReadOnlyAccess")
        acct.groups.append(
            {
                "Path": "/",
                "GroupName": name,
                "GroupId": f"AGPA{i:016d}",
                "Arn": _arn("group", name),
                "CreateDate": CREATED,
                "GroupPolicyList": _inline(acct, _workload(acct, "ops"), 1),
                "AttachedManagedPolicies": _attached(*arns),
            }
        )
        names.append(name)
    return names


def _users(acct: Account, count: int, groups: list[str]) -> None:
    rng = acct.rng
    for i in range(count):
        name = f"admin-{i}" if i < 3 else f"user-{i}"
        team = TEAMS[i % len(TEAMS)]
        arns, inline = _statements_for(acct, name, "user", team)
        member = ["admins"] if i < 3 else rng.sample(groups[1:], k=min(len(groups) - 1, 2))
        if rng.random() < 0.3 and acct.budget > 0:
            arns.append(_managed(acct, f"{name}-extra", _workload(acct, team)))
        acct.users.append(
            {
                "Path": "/",
                "UserName": name,
                "UserId": f"AIDA{i:016d}",
                "Arn": _arn("user", name),
                "CreateDate": CREATED,
                "UserPolicyList": _inline(acct, inline, rng.randint(0, 2)),
                "GroupList": member,
                "AttachedManagedPolicies": _attached(*arns),
                "Tags": [],
            }
        )


def _role_item(name: str, i: int, trust: Json, inline: list[Json], arns: list[str]) -> Json:
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": f"AROA{i:016d}",
        "Arn": _arn("role", name),
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": inline,
        "AttachedManagedPolicies": _attached(*arns),
        "Tags": [],
        "RoleLastUsed": {},
        "MaxSessionDuration": 3600,
    }


def _fixed_roles(acct: Account) -> int:
    """The targets the planted escalations aim at, all admins."""
    root = {"AWS": f"arn:aws:iam::{ACCT}:root"}
    fixed = {
        "svc-lambda-admin": _trust({"Service": "lambda.amazonaws.com"}),
        "svc-ec2-admin": _trust({"Service": "ec2.amazonaws.com"}),
        "locked-admin": _trust({"Service": "backup.amazonaws.com"}),
        "account-admin": _trust(root),
    }
    admin = f"{AWS_POLICY}AdministratorAccess"
    for i, (name, trust) in enumerate(fixed.items()):
        item = _role_item(name, i, trust, [], [admin])
        if name == "svc-ec2-admin":
            item["InstanceProfileList"] = [
                {
                    "Path": "/",
                    "InstanceProfileName": name,
                    "InstanceProfileId": "AIPA0000000000000001",
                    "Arn": _arn("instance-profile", name),
                    "CreateDate": CREATED,
                    "Roles": [],
                }
            ]
        acct.roles.append(item)
    return len(fixed)


def _roles(acct: Account, count: int) -> None:
    """Service roles (60 %) and roles people assume (40 %; a quarter of those capped by
    the developer boundary, so that their planted escalations are blocked)."""
    rng = acct.rng
    start = _fixed_roles(acct)
    boundary = _managed(acct, "developer-boundary", [_allow(["s3:*", "dynamodb:*", "logs:*"], "*")])
    for i in range(start, count):
        team = TEAMS[i % len(TEAMS)]
        bounded = False
        if rng.random() < 0.6:
            name = f"{team}-svc-{i}"
            service = rng.choice(SERVICES)
            trust = _trust({"Service": f"{service}.amazonaws.com"})
            base = [f"{AWS_POLICY}AWSLambdaBasicExecutionRole"] if service == "lambda" else []
        else:
            name = f"{team}-dev-{i}"
            trust = _people_trust(acct)
            base = [f"{AWS_POLICY}CloudWatchReadOnlyAccess"]
            bounded = rng.random() < 0.25
        arns, inline = _statements_for(acct, name, "role", team)
        if rng.random() < 0.5 and acct.budget > 0:
            arns.append(_managed(acct, f"{name}-policy", _workload(acct, team)))
        policies = _inline(acct, inline, rng.randint(0, 2))
        item = _role_item(name, i, trust, policies, [*base, *arns])
        if bounded:
            item["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": boundary,
            }
        acct.roles.append(item)


def _people_trust(acct: Account) -> Json:
    """The account (delegating to identity policies) or one user, sometimes with MFA."""
    rng = acct.rng
    caller = f"arn:aws:iam::{ACCT}:user/user-{rng.randrange(3, max(4, len(acct.users)))}"
    principal = {"AWS": rng.choice([f"arn:aws:iam::{ACCT}:root", caller])}
    if rng.random() < 0.3:
        return _trust(principal, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    return _trust(principal)


def _spend(acct: Account) -> None:
    """Write the rest of the policy budget as more managed policies on existing principals."""
    principals = [(u, "UserName") for u in acct.users] + [(r, "RoleName") for r in acct.roles]
    i = 0
    while acct.budget > 0:
        item, key = principals[i % len(principals)]
        team = TEAMS[i % len(TEAMS)]
        arn = _managed(acct, f"{item[key]}-more-{i}", _workload(acct, team))
        item["AttachedManagedPolicies"].extend(_attached(arn))
        i += 1


def generate(principals: int, policies: int, seed: int = 7) -> Account:
    """``principals`` users, roles and groups (40 / 50 / 10 %) and about ``policies``
    customer-managed and inline policies (the AWS-managed ones come on top)."""
    acct = Account(random.Random(seed), policies)
    groups, users = max(2, principals // 10), max(4, principals * 4 // 10)
    acct.role_slots = max(FIXED_ROLES + 8, principals - groups - users)
    _aws_managed(acct)
    group_names = _groups(acct, groups)
    _users(acct, users, group_names)
    _roles(acct, acct.role_slots)
    _spend(acct)
    return acct


# -- the two runs ------------------------------------------------------------------------------
def run_cloudwarden(path: Path) -> tuple[float, Any]:
    from cloudwarden.iam.analysis import analyze, load_authorization_details

    began = time.perf_counter()
    result = analyze(load_authorization_details(path))
    return time.perf_counter() - began, result


def find_cloudsplaining(given: str | None) -> Path | None:
    for candidate in (Path(given) if given else None, *CLOUDSPLAINING):
        if candidate is not None and candidate.exists():
            return candidate
    found = shutil.which("cloudsplaining")
    return Path(found) if found else None


def run_cloudsplaining(program: Path, path: Path, out: Path) -> tuple[float, int]:
    """Wall time of ``cloudsplaining scan`` (its HTML report and data files included), and
    the number of policies it flags with a privilege-escalation method."""
    command = [
        str(program),
        "scan",
        "--input-file",
        str(path),
        "--output",
        str(out),
        "--skip-open-report",
    ]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"cloudsplaining failed ({done.returncode}): {done.stderr[-800:]}")
    return seconds, _cloudsplaining_escalations(out)


# Cloudsplaining's analysis alone (file read included, as for cloudwarden; no report)
_CORE = """
import json, sys, time
from cloudsplaining.scan.authorization_details import AuthorizationDetails
from cloudsplaining.shared.exclusions import DEFAULT_EXCLUSIONS
began = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as f:
    AuthorizationDetails(json.load(f), exclusions=DEFAULT_EXCLUSIONS).results
print(time.perf_counter() - began)
"""


def run_cloudsplaining_core(program: Path, path: Path) -> float | None:
    """Wall time of Cloudsplaining's analysis without its report, run by the Python of the
    environment it is installed in; None when that Python is not beside the program."""
    python = program.parent / "python"
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", _CORE, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"cloudsplaining failed ({done.returncode}): {done.stderr[-800:]}")
    return float(done.stdout.strip().splitlines()[-1])


def _cloudsplaining_escalations(out: Path) -> int:
    flagged = 0
    for results in out.glob("iam-results-*.json"):
        data = json.loads(results.read_text(encoding="utf-8"))
        for section in ("customer_managed_policies", "inline_policies", "aws_managed_policies"):
            for policy in (data.get(section) or {}).values():
                if policy.get("PrivilegeEscalation", {}).get("findings"):
                    flagged += 1
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=5_000)
    parser.add_argument("--policies", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cloudsplaining", help="path of the cloudsplaining program")
    parser.add_argument("--keep", type=Path, help="write the file and reports here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="cw-bench-iam-"))
    work.mkdir(parents=True, exist_ok=True)
    acct = generate(args.principals, args.policies, args.seed)
    path = work / "authorization-details.json"
    path.write_text(json.dumps(acct.details()), encoding="utf-8")
    n_principals = len(acct.users) + len(acct.roles) + len(acct.groups)
    n_inline = sum(
        len(x.get(k) or [])
        for x in acct.users + acct.roles + acct.groups
        for k in ("UserPolicyList", "RolePolicyList", "GroupPolicyList")
    )
    print(
        f"account: {len(acct.users):,} users, {len(acct.roles):,} roles, {len(acct.groups):,} "
        f"groups ({n_principals:,} principals); {len(acct.policies):,} managed + {n_inline:,} "
        f"inline policies; {acct.planted} planted escalations; "
        f"{path.stat().st_size / 1e6:.1f} MB"
    )

    ours, result = run_cloudwarden(path)
    verdict = "under" if ours < TARGET_SECONDS else "OVER"
    print(
        f"cloudwarden   {ours:8.1f} s  ({verdict} the {TARGET_SECONDS:.0f} s target): "
        f"{len(result.admins):,} admins, {len(result.edges):,} edges, "
        f"{len(result.paths):,} escalation paths, engine-decided with resources, conditions, "
        f"denies and boundaries"
    )

    program = find_cloudsplaining(args.cloudsplaining)
    if program is None:
        print(
            "cloudsplaining not installed: python3 -m venv /tmp/cs-venv && "
            "/tmp/cs-venv/bin/pip install cloudsplaining  (then run again)"
        )
        return
    out = work / "cloudsplaining"
    out.mkdir(exist_ok=True)
    theirs, flagged = run_cloudsplaining(program, path, out)
    print(
        f"cloudsplaining {theirs:7.1f} s  (cloudsplaining scan, report included): {flagged:,} "
        f"policies flagged with a privilege-escalation method, per policy, no paths between "
        f"principals, statements with resource constraints or conditions not flagged"
    )
    core = run_cloudsplaining_core(program, path)
    if core is not None:
        print(f"  its analysis alone {core:7.1f} s  (AuthorizationDetails(...).results, no report)")
    faster = "faster" if ours < theirs else "SLOWER"
    print(
        f"ratio: cloudsplaining's time / cloudwarden's = {theirs / ours:.2f}x ({faster})"
        + (f", {core / ours:.2f}x against its analysis alone" if core is not None else "")
        + "; cloudwarden computes the paths, cloudsplaining does not"
    )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
