"""Privilege-escalation scenarios: one principal per technique, each beside a fixed twin.

Everything lives in the ``dev`` account. Each scenario principal ``cw-lab-esc-<slug>``
holds exactly the permissions its technique needs (in an inline policy named
``escalation``; in a customer-managed policy for the two policy-version techniques,
which act on the policy itself) on targets that exist: an admin group and two admin
users, an admin role trusting the account, an admin role nobody can assume yet, and one
admin role per service that runs code with a passed role (trusting that service, EC2's
with and without an instance profile); the chained techniques go through non-admin
stepping stones (a user, a role that may attach policies to itself, a role whose
customer-managed policy can be rewritten, a role nobody can assume yet).
``lab/manifest/escalation/privesc.yaml`` lists each scenario's expected path.

The twin ``cw-lab-esc-<slug>-fixed`` holds the same statements and is stopped by one of:

- ``boundary``: the twin is a role whose permissions boundary grants no IAM, STS or
  PassRole action. Only roles carry one here: moto's ``GetAccountAuthorizationDetails``
  omits a user's ``PermissionsBoundary``, so the analysis could not see it on a user;
- ``scp``: the twin sits under the IAM path ``/contractors/``, which the SCP
  ``cw-lab-esc-contractor-guard`` on the Dev OU denies every IAM action and
  ``sts:AssumeRole`` (matched on ``aws:PrincipalArn``);
- ``condition``: the statement that matters carries a condition the attack cannot
  meet (``iam:PolicyARN`` limited to ReadOnlyAccess, ``iam:PassedToService`` naming a
  service the twin cannot start).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from cloudwarden.lab.org import LabEnv

ESC = "cw-lab-esc-"
CONTRACTORS = "/contractors/"
BOUNDARY = f"{ESC}developer-boundary"
GUARD_SCP = f"{ESC}contractor-guard"
ADMIN_GROUP = f"{ESC}admins"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
VERSION = "2012-10-17"

Kind = Literal["user", "role"]
Fix = Literal["boundary", "scp", "condition"]


@dataclass(frozen=True)
class Grant:
    """Actions on one resource. ``resource`` may name ``{self}`` (the principal's ARN),
    ``{group}`` (its own group), ``{policy}`` (its own managed policy) and ``{account}``."""

    actions: tuple[str, ...]
    resource: str


@dataclass(frozen=True)
class Scenario:
    slug: str
    kind: Kind
    grants: tuple[Grant, ...]
    fix: Fix
    # for fix == "condition": the action whose statement is narrowed, and how
    condition: tuple[str, dict[str, Any]] | None = None
    group: bool = False  # member of its own group cw-lab-esc-<slug>-group
    policy: Literal["", "editable", "versions"] = ""  # grants go to its own managed policy


def _role_arn(name: str) -> str:
    return "arn:aws:iam::{account}:role/" + name


def _user_arn(name: str) -> str:
    return "arn:aws:iam::{account}:user/" + ESC + name


def _passed(service: str) -> dict[str, Any]:
    return {"StringEquals": {"iam:PassedToService": f"{service}.amazonaws.com"}}


def _pass_role(slug: str, service_role: str, fix: Fix, *actions: str, other: str = "") -> Scenario:
    """A PassRole scenario: pass ``service_role`` and run the service's ``actions``; a
    ``condition`` twin may only pass the role to ``other``, a service it cannot start."""
    grants = (
        Grant(("iam:PassRole",), _role_arn(f"{ESC}{service_role}")),
        Grant(tuple(actions), "*"),
    )
    condition = ("iam:PassRole", _passed(other)) if fix == "condition" else None
    return Scenario(slug, "user", grants, fix, condition)


ONLY_READ_ONLY = {"ArnEquals": {"iam:PolicyARN": READ_ONLY_POLICY}}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("create-policy-version", "role",
             (Grant(("iam:CreatePolicyVersion",), "{policy}"),), "boundary", policy="editable"),
    Scenario("set-default-policy-version", "user",
             (Grant(("iam:SetDefaultPolicyVersion",), "{policy}"),), "scp", policy="versions"),
    Scenario("create-access-key", "user",
             (Grant(("iam:CreateAccessKey",), _user_arn("admin-console")),), "scp"),
    Scenario("create-login-profile", "user",
             (Grant(("iam:CreateLoginProfile",), _user_arn("admin-no-console")),), "boundary"),
    Scenario("update-login-profile", "user",
             (Grant(("iam:UpdateLoginProfile",), _user_arn("admin-console")),), "scp"),
    Scenario("attach-user-policy", "user", (Grant(("iam:AttachUserPolicy",), "{self}"),),
             "condition", ("iam:AttachUserPolicy", ONLY_READ_ONLY)),
    Scenario("attach-group-policy", "user", (Grant(("iam:AttachGroupPolicy",), "{group}"),),
             "condition", ("iam:AttachGroupPolicy", ONLY_READ_ONLY), group=True),
    Scenario("attach-role-policy", "role",
             (Grant(("iam:AttachRolePolicy",), "{self}"),), "boundary"),
    Scenario("put-user-policy", "user", (Grant(("iam:PutUserPolicy",), "{self}"),), "scp"),
    Scenario("put-group-policy", "user",
             (Grant(("iam:PutGroupPolicy",), "{group}"),), "scp", group=True),
    Scenario("put-role-policy", "role", (Grant(("iam:PutRolePolicy",), "{self}"),), "boundary"),
    Scenario("add-user-to-group", "user",
             (Grant(("iam:AddUserToGroup",), "arn:aws:iam::{account}:group/" + ADMIN_GROUP),),
             "scp"),
    Scenario("update-assume-role-policy", "role",
             (Grant(("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    _role_arn(f"{ESC}untrusted-admin")),), "boundary"),
    Scenario("assume-role", "user",
             (Grant(("sts:AssumeRole",), _role_arn(f"{ESC}account-trust-admin")),), "boundary"),
    Scenario("attach-user-policy-then-access-key", "user",
             (Grant(("iam:AttachUserPolicy", "iam:CreateAccessKey"), _user_arn("plain-user")),),
             "scp"),
    Scenario("put-user-policy-then-access-key", "user",
             (Grant(("iam:PutUserPolicy", "iam:CreateAccessKey"), _user_arn("plain-user")),),
             "boundary"),
    Scenario("create-policy-version-then-assume-role", "user",
             (Grant(("sts:AssumeRole",), _role_arn(f"{ESC}policy-role")),
              Grant(("iam:CreatePolicyVersion",),
                    "arn:aws:iam::{account}:policy/" + f"{ESC}policy-role-policy")), "boundary"),
    Scenario("escalate-role-then-update-trust", "user",
             (Grant(("iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    _role_arn(f"{ESC}trust-rewrite-target")),), "scp"),
    Scenario("assume-then-attach", "user",
             (Grant(("sts:AssumeRole",), _role_arn(f"{ESC}hop-role")),), "scp"),
    _pass_role("pass-role-ec2", "ec2-admin", "condition", "ec2:RunInstances", other="lambda"),
    _pass_role("pass-role-ec2-new-profile", "ec2-no-profile-admin", "condition",
               "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "ec2:RunInstances",
               other="lambda"),
    _pass_role("pass-role-autoscaling", "ec2-admin", "boundary",
               "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"),
    _pass_role("pass-role-ec2-spot", "ec2-admin", "scp", "ec2:RequestSpotInstances"),
    _pass_role("pass-role-lambda", "lambda-admin", "condition",
               "lambda:CreateFunction", "lambda:InvokeFunction", other="ec2"),
    _pass_role("pass-role-lambda-add-permission", "lambda-admin", "scp",
               "lambda:CreateFunction", "lambda:AddPermission"),
    _pass_role("pass-role-lambda-dynamodb", "lambda-admin", "boundary",
               "lambda:CreateFunction", "lambda:CreateEventSourceMapping",
               "dynamodb:CreateTable", "dynamodb:PutItem"),
    _pass_role("pass-role-glue-dev-endpoint", "glue-admin", "scp",
               "glue:CreateDevEndpoint", "glue:GetDevEndpoint"),
    _pass_role("pass-role-glue-job", "glue-admin", "condition",
               "glue:CreateJob", "glue:StartJobRun", other="sagemaker"),
    _pass_role("pass-role-cloudformation", "cloudformation-admin", "boundary",
               "cloudformation:CreateStack"),
    _pass_role("pass-role-cloudformation-stackset", "cloudformation-admin", "condition",
               "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances",
               other="ec2"),
    _pass_role("pass-role-datapipeline", "datapipeline-admin", "scp",
               "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
               "datapipeline:ActivatePipeline"),
    _pass_role("pass-role-codebuild", "codebuild-admin", "condition",
               "codebuild:CreateProject", "codebuild:StartBuild", other="ec2"),
    _pass_role("pass-role-sagemaker-notebook", "sagemaker-admin", "boundary",
               "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
    _pass_role("pass-role-sagemaker-training", "sagemaker-admin", "scp",
               "sagemaker:CreateTrainingJob"),
    _pass_role("pass-role-sagemaker-processing", "sagemaker-admin", "condition",
               "sagemaker:CreateProcessingJob", other="glue"),
    _pass_role("pass-role-ecs", "ecs-task-admin", "scp",
               "ecs:RegisterTaskDefinition", "ecs:RunTask"),
    _pass_role("pass-role-apprunner", "apprunner-admin", "boundary", "apprunner:CreateService"),
)  # fmt: skip

# role suffix -> the service principal its trust policy names
SERVICE_ROLES = {
    "ec2-admin": "ec2.amazonaws.com",
    "ec2-no-profile-admin": "ec2.amazonaws.com",
    "lambda-admin": "lambda.amazonaws.com",
    "glue-admin": "glue.amazonaws.com",
    "cloudformation-admin": "cloudformation.amazonaws.com",
    "datapipeline-admin": "datapipeline.amazonaws.com",
    "codebuild-admin": "codebuild.amazonaws.com",
    "sagemaker-admin": "sagemaker.amazonaws.com",
    "ecs-task-admin": "ecs-tasks.amazonaws.com",
    "apprunner-admin": "tasks.apprunner.amazonaws.com",
}
ADMIN_DOC = {"Version": VERSION, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
BOUNDARY_DOC = {  # what a developer may do at most: no IAM, STS or PassRole
    "Version": VERSION,
    "Statement": [
        {
            "Sid": "DeveloperServices",
            "Effect": "Allow",
            "Action": ["s3:*", "logs:*", "cloudwatch:*", "dynamodb:*"],
            "Resource": "*",
        }
    ],
}
GUARD_SCP_DOC = {
    "Version": VERSION,
    "Statement": [
        {
            "Sid": "ContractorsNoIdentityChanges",
            "Effect": "Deny",
            "Action": ["iam:*", "sts:AssumeRole"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "aws:PrincipalArn": [
                        f"arn:aws:iam::*:user{CONTRACTORS}*",
                        f"arn:aws:iam::*:role{CONTRACTORS}*",
                    ]
                }
            },
        }
    ],
}


def seed(env: LabEnv) -> None:
    iam = env.client("dev", "iam")
    account = env.account_id("dev")
    _targets(iam, account)
    _stepping_stones(iam, account)
    boundary = iam.create_policy(PolicyName=BOUNDARY, PolicyDocument=json.dumps(BOUNDARY_DOC))
    boundary_arn = boundary["Policy"]["Arn"]
    _guard_contractors(env)
    for scenario in SCENARIOS:
        _plant(iam, account, scenario, twin=False, boundary="")
        _plant(iam, account, scenario, twin=True, boundary=boundary_arn)


def _guard_contractors(env: LabEnv) -> None:
    """The SCP that fixes the ``scp`` twins, on the Dev OU (so on the whole dev account)."""
    org = env.client("management", "organizations")
    policy = org.create_policy(
        Content=json.dumps(GUARD_SCP_DOC),
        Description="Contractors may not change identities or assume roles",
        Name=GUARD_SCP,
        Type="SERVICE_CONTROL_POLICY",
    )
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=env.ous["dev"])


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": VERSION, "Statement": list(statements)})


def _trust(principal: dict[str, str]) -> str:
    return _document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def _targets(iam: Any, account: str) -> None:
    """The admins the scenarios escalate to: every one holds AdministratorAccess."""
    iam.create_group(GroupName=ADMIN_GROUP)
    iam.attach_group_policy(GroupName=ADMIN_GROUP, PolicyArn=ADMIN_POLICY)
    for name in ("admin-console", "admin-no-console"):
        iam.create_user(UserName=f"{ESC}{name}")
        iam.add_user_to_group(GroupName=ADMIN_GROUP, UserName=f"{ESC}{name}")
    iam.create_login_profile(UserName=f"{ESC}admin-console", Password="Lab-Only-Passw0rd!")
    root = {"AWS": f"arn:aws:iam::{account}:root"}
    admin_roles = {
        "account-trust-admin": root,  # anyone in the account whose policy allows AssumeRole
        "untrusted-admin": {"Service": "backup.amazonaws.com"},  # no principal can assume it
        **{name: {"Service": service} for name, service in SERVICE_ROLES.items()},
    }
    for name, trusted in admin_roles.items():
        iam.create_role(RoleName=f"{ESC}{name}", AssumeRolePolicyDocument=_trust(trusted))
        iam.attach_role_policy(RoleName=f"{ESC}{name}", PolicyArn=ADMIN_POLICY)
    iam.create_instance_profile(InstanceProfileName=f"{ESC}ec2-admin")
    iam.add_role_to_instance_profile(
        InstanceProfileName=f"{ESC}ec2-admin", RoleName=f"{ESC}ec2-admin"
    )


def _stepping_stones(iam: Any, account: str) -> None:
    """Non-admin principals that a scenario turns into an admin on its way."""
    root = _trust({"AWS": f"arn:aws:iam::{account}:root"})
    iam.create_user(UserName=f"{ESC}plain-user")
    hop = f"{ESC}hop-role"  # can attach any managed policy to itself
    iam.create_role(RoleName=hop, AssumeRolePolicyDocument=root)
    hop_arn = f"arn:aws:iam::{account}:role/{hop}"
    grant = {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": hop_arn}
    iam.put_role_policy(RoleName=hop, PolicyName="escalation", PolicyDocument=_document(grant))
    holder = f"{ESC}policy-role"  # assumable, with a customer-managed policy someone may rewrite
    iam.create_role(RoleName=holder, AssumeRolePolicyDocument=root)
    reports = _document(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cw-lab-reports/*"}
    )
    arn = iam.create_policy(PolicyName=f"{holder}-policy", PolicyDocument=reports)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=holder, PolicyArn=arn)
    iam.create_role(  # nobody can assume it yet, and it holds nothing yet
        RoleName=f"{ESC}trust-rewrite-target",
        AssumeRolePolicyDocument=_trust({"Service": "backup.amazonaws.com"}),
    )


def _plant(iam: Any, account: str, scenario: Scenario, *, twin: bool, boundary: str) -> None:
    """Create the principal of ``scenario``, or its twin fixed the scenario's way."""
    name, kind, path = f"{ESC}{scenario.slug}", scenario.kind, "/"
    if twin:
        name += "-fixed"
        kind = "role" if scenario.fix == "boundary" else kind
        path = CONTRACTORS if scenario.fix == "scp" else path
    _principal(
        iam, account, name, kind, path, boundary if twin and scenario.fix == "boundary" else ""
    )
    group = f"{name}-group"
    if scenario.group:
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=name)
    names = {
        "self": f"arn:aws:iam::{account}:{kind}{path}{name}",
        "group": f"arn:aws:iam::{account}:group/{group}",
        "policy": f"arn:aws:iam::{account}:policy/{name}-policy",
        "account": account,
    }
    conditioned = twin and scenario.fix == "condition"
    statements = [_statement(scenario, g, names, conditioned) for g in scenario.grants]
    if scenario.policy:
        _own_policy(iam, scenario, name, kind, statements)
    else:
        put = iam.put_user_policy if kind == "user" else iam.put_role_policy
        key = "UserName" if kind == "user" else "RoleName"
        put(**{key: name}, PolicyName="escalation", PolicyDocument=_document(*statements))


def _principal(iam: Any, account: str, name: str, kind: Kind, path: str, boundary: str) -> None:
    """A user, or a role that people of the account may assume (as developers' roles are)."""
    if kind == "user":
        iam.create_user(UserName=name, Path=path)
        return
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    trust = _trust({"AWS": f"arn:aws:iam::{account}:root"})
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust, **extra)


def _statement(
    scenario: Scenario, grant: Grant, names: dict[str, str], conditioned: bool
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": list(grant.actions) if len(grant.actions) > 1 else grant.actions[0],
        "Resource": grant.resource.format(**names),
    }
    if conditioned and scenario.condition and scenario.condition[0] in grant.actions:
        statement["Condition"] = scenario.condition[1]
    return statement


def _own_policy(
    iam: Any, scenario: Scenario, name: str, kind: Kind, statements: list[dict[str, Any]]
) -> None:
    """The principal's permissions live in a managed policy that names itself.

    For ``versions`` the policy's first version granted everything and a later, narrow
    version is the default: ``SetDefaultPolicyVersion`` brings the old one back.
    """
    narrow = _document(*statements)
    first = narrow if scenario.policy == "editable" else json.dumps(ADMIN_DOC)
    arn = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=first)["Policy"]["Arn"]
    if scenario.policy == "versions":
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=narrow, SetAsDefault=True)
    attach = iam.attach_user_policy if kind == "user" else iam.attach_role_policy
    attach(**{"UserName" if kind == "user" else "RoleName": name}, PolicyArn=arn)
