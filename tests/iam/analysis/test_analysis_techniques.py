"""One enabling scenario per technique, and four blocked twins of it: an explicit deny,
a permissions boundary, an SCP and a condition that cannot hold. The edge must appear in
the first and in none of the twins — every permission is the engine's decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from analysis_builders import ACCT, ADMIN_ARN, Account, allow, arn, doc, trust

from cloudwarden.iam.analysis import TECHNIQUES, account_data_from_snapshot, analyze

ATTACKER = arn("user", "attacker")
OLD_TOKEN = {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}

# technique id -> (key action, builder(account) -> the attacker's granting statements)
Builder = Callable[[Account], list[dict[str, Any]]]
SCENARIOS: dict[str, tuple[str, Builder]] = {}


def scenario(tid: str, key: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        SCENARIOS[tid] = (key, fn)
        return fn

    return register


def _admin(a: Account) -> None:
    a.managed("AdministratorAccess", doc(allow("*")))


@scenario("R1-create-policy-version", "iam:CreatePolicyVersion")
def _r1(a: Account) -> list[dict[str, Any]]:
    policy = a.managed("own", doc(allow("s3:ListAllMyBuckets")))
    a.attached = (policy,)  # type: ignore[attr-defined]
    return [allow("iam:CreatePolicyVersion", policy)]


@scenario("R2-set-default-policy-version", "iam:SetDefaultPolicyVersion")
def _r2(a: Account) -> list[dict[str, Any]]:
    policy = a.managed("own", doc(allow("*")), doc(allow("s3:ListAllMyBuckets")), default=1)
    a.attached = (policy,)  # type: ignore[attr-defined]
    return [allow("iam:SetDefaultPolicyVersion", policy)]


@scenario("R3-create-access-key", "iam:CreateAccessKey")
def _r3(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    victim = a.user("victim", attached=(ADMIN_ARN,))
    return [allow("iam:CreateAccessKey", victim)]


@scenario("R4-create-login-profile", "iam:CreateLoginProfile")
def _r4(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    victim = a.user("victim", attached=(ADMIN_ARN,), login=False)
    return [allow("iam:CreateLoginProfile", victim)]


@scenario("R5-update-login-profile", "iam:UpdateLoginProfile")
def _r5(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    victim = a.user("victim", attached=(ADMIN_ARN,), login=True)
    return [allow("iam:UpdateLoginProfile", victim)]


@scenario("R6-attach-user-policy", "iam:AttachUserPolicy")
def _r6(a: Account) -> list[dict[str, Any]]:
    cond = {"ArnEquals": {"iam:PolicyARN": ADMIN_ARN}}
    return [allow("iam:AttachUserPolicy", ATTACKER, Condition=cond)]


@scenario("R7-attach-group-policy", "iam:AttachGroupPolicy")
def _r7(a: Account) -> list[dict[str, Any]]:
    group = a.group("devs")
    a.groups = ("devs",)  # type: ignore[attr-defined]
    return [allow("iam:AttachGroupPolicy", group)]


def _assumable_role(a: Account, *attached: str) -> str:
    return a.role("target", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}), attached=attached)


@scenario("R8-attach-role-policy", "iam:AttachRolePolicy")
def _r8(a: Account) -> list[dict[str, Any]]:
    role = _assumable_role(a)
    return [allow(["iam:AttachRolePolicy", "sts:AssumeRole"], role)]


@scenario("R9-put-user-policy", "iam:PutUserPolicy")
def _r9(a: Account) -> list[dict[str, Any]]:
    return [allow("iam:PutUserPolicy", ATTACKER)]


@scenario("R10-put-group-policy", "iam:PutGroupPolicy")
def _r10(a: Account) -> list[dict[str, Any]]:
    group = a.group("devs")
    a.groups = ("devs",)  # type: ignore[attr-defined]
    return [allow("iam:PutGroupPolicy", group)]


@scenario("R11-put-role-policy", "iam:PutRolePolicy")
def _r11(a: Account) -> list[dict[str, Any]]:
    role = _assumable_role(a)
    return [allow(["iam:PutRolePolicy", "sts:AssumeRole"], role)]


@scenario("R12-add-user-to-group", "iam:AddUserToGroup")
def _r12(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    group = a.group("admins", attached=(ADMIN_ARN,))
    return [allow("iam:AddUserToGroup", group)]


@scenario("R13-update-assume-role-policy", "iam:UpdateAssumeRolePolicy")
def _r13(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    role = a.role("target", trust({"Service": "ec2.amazonaws.com"}), attached=(ADMIN_ARN,))
    return [allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], role)]


@scenario("R14-assume-role", "sts:AssumeRole")
def _r14(a: Account) -> list[dict[str, Any]]:
    _admin(a)
    role = _assumable_role(a, ADMIN_ARN)
    return [allow("sts:AssumeRole", role)]


@scenario("R15-create-admin-role", "iam:CreateRole")
def _r15(a: Account) -> list[dict[str, Any]]:
    return [allow(["iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"])]


@scenario("R16-attach-user-policy-then-access-key", "iam:AttachUserPolicy")
def _r16(a: Account) -> list[dict[str, Any]]:
    victim = a.user("victim")
    return [allow(["iam:AttachUserPolicy", "iam:CreateAccessKey"], victim)]


@scenario("R17-put-user-policy-then-access-key", "iam:PutUserPolicy")
def _r17(a: Account) -> list[dict[str, Any]]:
    victim = a.user("victim")
    return [allow(["iam:PutUserPolicy", "iam:CreateAccessKey"], victim)]


@scenario("R18-create-policy-version-then-assume-role", "iam:CreatePolicyVersion")
def _r18(a: Account) -> list[dict[str, Any]]:
    policy = a.managed("app", doc(allow("s3:ListAllMyBuckets")))
    role = _assumable_role(a, policy)
    return [allow("iam:CreatePolicyVersion", policy), allow("sts:AssumeRole", role)]


@scenario("R19-escalate-role-then-update-trust", "iam:UpdateAssumeRolePolicy")
def _r19(a: Account) -> list[dict[str, Any]]:
    role = a.role("target", trust({"Service": "ec2.amazonaws.com"}))
    return [allow(["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], role)]


def _service_role(a: Account, service: str, profile: bool = False) -> str:
    _admin(a)
    return a.role("svc", trust({"Service": service}), attached=(ADMIN_ARN,), profile=profile)


def _passrole(tid: str, service: str, actions: list[str], profile: bool = False) -> None:
    def build(a: Account) -> list[dict[str, Any]]:
        role = _service_role(a, service, profile)
        return [allow("iam:PassRole", role), allow(actions)]

    SCENARIOS[tid] = ("iam:PassRole", build)


EC2 = "ec2.amazonaws.com"
_passrole("R20-passrole-ec2-existing-profile", EC2, ["ec2:RunInstances"], profile=True)
_passrole("R21-passrole-ec2-new-profile", EC2,
          ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "ec2:RunInstances"])  # fmt: skip
_passrole("R22-passrole-ec2-associate-profile", EC2,
          ["ec2:RunInstances", "ec2:AssociateIamInstanceProfile"], profile=True)  # fmt: skip
_passrole("R23-passrole-ec2-spot", EC2, ["ec2:RequestSpotInstances"], profile=True)
_passrole("R26-passrole-autoscaling", EC2,
          ["autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"],
          profile=True)  # fmt: skip
LAMBDA = "lambda.amazonaws.com"
_passrole("R27-passrole-lambda-invoke", LAMBDA, ["lambda:CreateFunction", "lambda:InvokeFunction"])
_passrole("R28-passrole-lambda-add-permission", LAMBDA,
          ["lambda:CreateFunction", "lambda:AddPermission"])  # fmt: skip
_passrole("R29-passrole-lambda-event-source", LAMBDA,
          ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"])  # fmt: skip
_passrole("R33-passrole-glue-dev-endpoint", "glue.amazonaws.com", ["glue:CreateDevEndpoint"])
_passrole("R35-passrole-glue-job", "glue.amazonaws.com", ["glue:UpdateJob", "glue:CreateTrigger"])
_passrole("R36-passrole-cloudformation-stack", "cloudformation.amazonaws.com",
          ["cloudformation:CreateStack"])  # fmt: skip
_passrole("R39-passrole-cloudformation-stackset", "cloudformation.amazonaws.com",
          ["cloudformation:UpdateStackSet"])  # fmt: skip
_passrole("R40-passrole-datapipeline", "datapipeline.amazonaws.com",
          ["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"])  # fmt: skip
_passrole("R41-passrole-codebuild-project", "codebuild.amazonaws.com",
          ["codebuild:CreateProject", "codebuild:StartBuild"])  # fmt: skip
_passrole("R43-passrole-sagemaker-notebook", "sagemaker.amazonaws.com",
          ["sagemaker:CreateNotebookInstance"])  # fmt: skip
_passrole("R45-passrole-sagemaker-training-job", "sagemaker.amazonaws.com",
          ["sagemaker:CreateTrainingJob"])  # fmt: skip
_passrole("R46-passrole-sagemaker-processing-job", "sagemaker.amazonaws.com",
          ["sagemaker:CreateProcessingJob"])  # fmt: skip
_passrole("R48-passrole-ecs-task", "ecs-tasks.amazonaws.com",
          ["ecs:RegisterTaskDefinition", "ecs:RunTask"])  # fmt: skip
_passrole("R49-passrole-apprunner", "tasks.apprunner.amazonaws.com", ["apprunner:CreateService"])
_passrole("R50-passrole-bedrock-code-interpreter", "bedrock-agentcore.amazonaws.com",
          ["bedrock-agentcore:CreateCodeInterpreter",
           "bedrock-agentcore:StartCodeInterpreterSession",
           "bedrock-agentcore:InvokeCodeInterpreter"])  # fmt: skip


def _on_instance(tid: str, actions: list[str]) -> None:
    def build(a: Account) -> list[dict[str, Any]]:
        _service_role(a, EC2, profile=True)
        instance = a.instance("i-0123456789abcdef0", "svc")
        return [allow(actions, [instance, "arn:aws:ssm:*::document/*"])]

    SCENARIOS[tid] = (actions[0], build)


_on_instance("R24-ec2-modify-user-data",
             ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"])  # fmt: skip
_on_instance("R54-ssm-send-command", ["ssm:SendCommand"])
_on_instance("R55-ssm-start-session", ["ssm:StartSession"])
_on_instance("R56-ec2-instance-connect", ["ec2-instance-connect:SendSSHPublicKey"])


def _on_function(tid: str, actions: list[str]) -> None:
    def build(a: Account) -> list[dict[str, Any]]:
        role = _service_role(a, LAMBDA)
        function = a.function("worker", role)
        return [allow(actions, function)]

    SCENARIOS[tid] = (actions[0], build)


_on_function("R30-lambda-update-code", ["lambda:UpdateFunctionCode"])
_on_function("R31-lambda-update-configuration", ["lambda:UpdateFunctionConfiguration"])


@scenario("R32-lambda-swap-role", "iam:PassRole")
def _r32(a: Account) -> list[dict[str, Any]]:
    role = _service_role(a, LAMBDA)
    plain = a.role("plain", trust({"Service": LAMBDA}))
    function = a.function("worker", plain)
    return [
        allow(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"], function),
        allow("iam:PassRole", role),
    ]


def _build(tid: str, block: str | None) -> Account:
    key, builder = SCENARIOS[tid]
    a = Account()
    statements = builder(a)
    boundary = None
    if block == "deny":
        statements.append({"Effect": "Deny", "Action": key, "Resource": "*"})
    elif block == "condition":
        statements = [
            {**s, "Condition": OLD_TOKEN} if key in str(s["Action"]) else s for s in statements
        ]
    elif block == "boundary":
        boundary = a.managed("cap", doc({"Effect": "Allow", "NotAction": key, "Resource": "*"}))
    elif block == "scp":
        a.scp("no-key", doc(allow("*"), {"Effect": "Deny", "Action": key, "Resource": "*"}), ACCT)
    attached = getattr(a, "attached", ())
    groups = getattr(a, "groups", ())
    a.user("attacker", doc(*statements), attached=attached, groups=groups, boundary=boundary)
    return a


def _analysis(tid: str, block: str | None) -> Any:
    data = account_data_from_snapshot(_build(tid, block).snapshot())
    return analyze(data, techniques=[tid], risky=False)


def _edges(tid: str, block: str | None) -> list[Any]:
    analysis = _analysis(tid, block)
    return [e for e in analysis.edges if e.source == ATTACKER and e.technique == tid]


def test_every_technique_has_a_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(t.id for t in TECHNIQUES)
    assert len(TECHNIQUES) >= 40


@pytest.mark.parametrize("tid", sorted(SCENARIOS))
def test_technique_found(tid: str) -> None:
    analysis = _analysis(tid, None)
    edges = [e for e in analysis.edges if e.source == ATTACKER and e.technique == tid]
    assert edges, f"{tid}: no edge from the attacker"
    assert all(s for s in edges[0].statements), edges[0]
    (path,) = [p for p in analysis.paths if p.principal == ATTACKER]
    assert [h.technique for h in path.hops] == [tid]


@pytest.mark.parametrize("block", ["deny", "boundary", "scp", "condition"])
@pytest.mark.parametrize("tid", sorted(SCENARIOS))
def test_technique_blocked(tid: str, block: str) -> None:
    assert _edges(tid, block) == [], f"{tid} still found with a {block}"
