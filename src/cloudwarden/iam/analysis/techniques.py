"""The edge rules: one per row of the privilege-escalation catalogue that the data covers.

Ids are ``R<row>-<slug>`` after the row numbers of the consolidated catalogue (see
docs/iam-analysis.md for the table with permissions, sources and how each edge is
decided). ``needs`` names the resource types a rule enumerates beyond IAM; a rule runs
only when the data can hold them (a collected snapshot, not bare authorization details).
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.iam.analysis import rules_iam as iam
from cloudwarden.iam.analysis.rules_compute import PassRoleRule, WorkloadRule, swap_lambda_role
from cloudwarden.iam.analysis.steps import Finder
from cloudwarden.iam.analysis.targets import FUNCTION, INSTANCE

__all__ = ["TECHNIQUES", "Technique", "technique"]


@dataclass(frozen=True, slots=True)
class Technique:
    id: str
    row: int
    title: str
    find: Finder
    needs: tuple[str, ...] = ()

    @property
    def doc(self) -> str:
        return (getattr(self.find, "__doc__", None) or "").strip()


def _t(row: int, slug: str, title: str, find: Finder, *needs: str) -> Technique:
    return Technique(f"R{row}-{slug}", row, title, find, tuple(needs))


_EC2 = "ec2.amazonaws.com"
_LAMBDA = "lambda.amazonaws.com"
_RUN = ("ec2:RunInstances",)

TECHNIQUES: tuple[Technique, ...] = (
    _t(1, "create-policy-version", "Create a new policy version", iam.create_policy_version),
    _t(2, "set-default-policy-version", "Set an older default policy version",
       iam.set_default_policy_version),
    _t(3, "create-access-key", "Create an access key for another user", iam.create_access_key),
    _t(4, "create-login-profile", "Create a console password for another user",
       iam.create_login_profile),
    _t(5, "update-login-profile", "Reset another user's console password",
       iam.update_login_profile),
    _t(6, "attach-user-policy", "Attach a managed policy to self", iam.attach_user_policy),
    _t(7, "attach-group-policy", "Attach a managed policy to a group of self",
       iam.attach_group_policy),
    _t(8, "attach-role-policy", "Attach a managed policy to a role", iam.attach_role_policy),
    _t(9, "put-user-policy", "Write an inline policy on self", iam.put_user_policy),
    _t(10, "put-group-policy", "Write an inline policy on a group of self", iam.put_group_policy),
    _t(11, "put-role-policy", "Write an inline policy on a role", iam.put_role_policy),
    _t(12, "add-user-to-group", "Add self to a privileged group", iam.add_user_to_group),
    _t(13, "update-assume-role-policy", "Rewrite a role's trust policy, then assume it",
       iam.update_assume_role_policy),
    _t(14, "assume-role", "Assume a role that already trusts self", iam.assume_role),
    _t(15, "create-admin-role", "Create an admin role that trusts self", iam.create_admin_role),
    _t(16, "attach-user-policy-then-access-key",
       "Attach admin to another user, then take its keys", iam.escalate_user_then_key),
    _t(17, "put-user-policy-then-access-key",
       "Inline admin on another user, then take its keys", iam.inline_user_then_key),
    _t(18, "create-policy-version-then-assume-role",
       "Rewrite a role's policy, then assume the role", iam.rewrite_policy_then_assume),
    _t(19, "escalate-role-then-update-trust", "Give a role admin, make it trust self",
       iam.escalate_role_then_trust),
    _t(20, "passrole-ec2-existing-profile", "EC2 instance with an existing instance profile",
       PassRoleRule(_EC2, (_RUN,), profile=True)),
    _t(21, "passrole-ec2-new-profile", "EC2 instance with a new instance profile",
       PassRoleRule(_EC2, (("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile",
                            "ec2:RunInstances"),), profile=False)),
    _t(22, "passrole-ec2-associate-profile", "Attach an instance profile to an instance",
       PassRoleRule(_EC2, (("ec2:RunInstances", "ec2:AssociateIamInstanceProfile"),),
                    profile=True)),
    _t(23, "passrole-ec2-spot", "EC2 spot instance with a role",
       PassRoleRule(_EC2, (("ec2:RequestSpotInstances",),), profile=True)),
    _t(24, "ec2-modify-user-data", "Rewrite an instance's user data and restart it",
       WorkloadRule("instance", (("ec2:ModifyInstanceAttribute", "ec2:StopInstances",
                                  "ec2:StartInstances"),)), INSTANCE),
    _t(26, "passrole-autoscaling", "Auto Scaling group from a new launch configuration",
       PassRoleRule(_EC2, (("autoscaling:CreateLaunchConfiguration",
                            "autoscaling:CreateAutoScalingGroup"),), profile=True)),
    _t(27, "passrole-lambda-invoke", "New Lambda function, then invoke it",
       PassRoleRule(_LAMBDA, (("lambda:CreateFunction", "lambda:InvokeFunction"),))),
    _t(28, "passrole-lambda-add-permission", "New Lambda function, invoked cross-account",
       PassRoleRule(_LAMBDA, (("lambda:CreateFunction", "lambda:AddPermission"),))),
    _t(29, "passrole-lambda-event-source", "New Lambda function triggered by an event source",
       PassRoleRule(_LAMBDA, (("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),))),
    _t(30, "lambda-update-code", "Rewrite an existing function's code",
       WorkloadRule("function", (("lambda:UpdateFunctionCode",),)), FUNCTION),
    _t(31, "lambda-update-configuration", "Add a layer to an existing function",
       WorkloadRule("function", (("lambda:UpdateFunctionConfiguration",),)), FUNCTION),
    _t(32, "lambda-swap-role", "Give an existing function another role and new code",
       swap_lambda_role, FUNCTION),
    _t(33, "passrole-glue-dev-endpoint", "New Glue development endpoint",
       PassRoleRule("glue.amazonaws.com", (("glue:CreateDevEndpoint",),))),
    _t(35, "passrole-glue-job", "New or updated Glue job, started or triggered",
       PassRoleRule("glue.amazonaws.com", (
           ("glue:CreateJob", "glue:StartJobRun"), ("glue:CreateJob", "glue:CreateTrigger"),
           ("glue:UpdateJob", "glue:StartJobRun"), ("glue:UpdateJob", "glue:CreateTrigger")))),
    _t(36, "passrole-cloudformation-stack", "CloudFormation stack with a passed role",
       PassRoleRule("cloudformation.amazonaws.com", (("cloudformation:CreateStack",),))),
    _t(39, "passrole-cloudformation-stackset", "CloudFormation StackSet with a passed role",
       PassRoleRule("cloudformation.amazonaws.com", (
           ("cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"),
           ("cloudformation:UpdateStackSet",)))),
    _t(40, "passrole-datapipeline", "Data Pipeline running shell commands",
       PassRoleRule("datapipeline.amazonaws.com", (
           ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),))),
    _t(41, "passrole-codebuild-project", "New CodeBuild project, then a build",
       PassRoleRule("codebuild.amazonaws.com", (
           ("codebuild:CreateProject", "codebuild:StartBuild"),
           ("codebuild:CreateProject", "codebuild:StartBuildBatch")))),
    _t(43, "passrole-sagemaker-notebook", "New SageMaker notebook instance",
       PassRoleRule("sagemaker.amazonaws.com", (("sagemaker:CreateNotebookInstance",),))),
    _t(45, "passrole-sagemaker-training-job", "SageMaker training job",
       PassRoleRule("sagemaker.amazonaws.com", (("sagemaker:CreateTrainingJob",),))),
    _t(46, "passrole-sagemaker-processing-job", "SageMaker processing job",
       PassRoleRule("sagemaker.amazonaws.com", (("sagemaker:CreateProcessingJob",),))),
    _t(48, "passrole-ecs-task", "ECS task or service with a passed task role",
       PassRoleRule("ecs-tasks.amazonaws.com", (
           ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
           ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
           ("ecs:RegisterTaskDefinition", "ecs:CreateService")))),
    _t(49, "passrole-apprunner", "App Runner service with an instance role",
       PassRoleRule("tasks.apprunner.amazonaws.com", (("apprunner:CreateService",),))),
    _t(50, "passrole-bedrock-code-interpreter", "Bedrock AgentCore code interpreter",
       PassRoleRule("bedrock-agentcore.amazonaws.com", ((
           "bedrock-agentcore:CreateCodeInterpreter",
           "bedrock-agentcore:StartCodeInterpreterSession",
           "bedrock-agentcore:InvokeCodeInterpreter"),))),
    _t(54, "ssm-send-command", "SSM Run Command on an instance with a role",
       WorkloadRule("instance", (("ssm:SendCommand",),), agent=True,
                    document="AWS-RunShellScript"), INSTANCE),
    _t(55, "ssm-start-session", "SSM Session Manager on an instance with a role",
       WorkloadRule("instance", (("ssm:StartSession",),), agent=True), INSTANCE),
    _t(56, "ec2-instance-connect", "EC2 Instance Connect onto an instance with a role",
       WorkloadRule("instance", (("ec2-instance-connect:SendSSHPublicKey",),
                                 ("ec2-instance-connect:SendSerialConsoleSSHPublicKey",))),
       INSTANCE),
)  # fmt: skip

_BY_ID = {t.id: t for t in TECHNIQUES}


def technique(key: str) -> Technique:
    """A technique by id (``R1-create-policy-version``), by row (``R1``, ``1``) or by
    the action it is known by (``iam:CreatePolicyVersion``)."""
    if key in _BY_ID:
        return _BY_ID[key]
    row = key.upper().removeprefix("R")
    for t in TECHNIQUES:
        if row.isdigit() and t.row == int(row):
            return t
    slug = key.split(":", 1)[-1].lower()
    for t in TECHNIQUES:
        if t.id.split("-", 1)[1].replace("-", "") == slug:
            return t
    raise KeyError(f"unknown technique {key!r} (see docs/iam-analysis.md)")
