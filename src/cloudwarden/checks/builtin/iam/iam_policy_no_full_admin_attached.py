from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.iam._policy import (
    default_version_document,
    full_admin_statement,
    inline_policies,
)
from cloudwarden.model import Area, Remediation, Resource, Severity

PRINCIPAL_TYPES = ("AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role")


@check(
    title='No attached customer-managed or inline IAM policy allows "*:*"',
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::ManagedPolicy",
    requires=PRINCIPAL_TYPES,
    wa=("SEC03-BP02",),
    cis=("2.14",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "A policy allowing every action on every resource makes whoever holds it an "
            "administrator, including of IAM itself. Replace it with a policy that grants "
            "the actions the principal needs (IAM Access Analyzer can generate one from "
            "CloudTrail activity), then detach or delete the broad one."
        ),
        console="IAM > Policies > <policy> > Entities attached > Detach; or IAM > Roles/Users/Groups > <name> > Permissions > remove the inline policy.",
        cli=(
            "aws iam detach-role-policy --role-name <role-name> --policy-arn <policy-arn> ; "
            "aws iam delete-role-policy --role-name <role-name> --policy-name <inline-policy-name>"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    ),
)
def iam_policy_no_full_admin_attached(ctx: CheckContext) -> Results:
    """Checks that no attached customer-managed policy and no inline policy grants ``*`` on ``*``.

    A statement with ``Effect: Allow``, ``Action: "*"`` (or ``"*:*"``) and
    ``Resource: "*"`` is full administrator access, whatever its condition. For a
    managed policy only the default version is evaluated by IAM, so only it is read;
    an unattached policy grants nothing and passes. Inline policies cannot be
    detached, so they are reported on the user, group or role that embeds them.
    AWS-managed policies such as ``AdministratorAccess`` are out of scope here (see
    ``iam_user_no_full_admin_access`` for users holding admin by any route).
    """
    aws_prefix = f"arn:{ctx.snapshot.partition}:iam::aws:policy/"
    for policy in ctx.resources():
        if not policy.arn.startswith(aws_prefix):
            yield _judge_managed(ctx, policy)
    for rtype in PRINCIPAL_TYPES:
        for principal in ctx.resources(rtype):
            if inline_policies(principal):
                yield _judge_inline(ctx, principal)


def _judge_managed(ctx: CheckContext, policy: Resource) -> CheckResult:
    where = full_admin_statement(default_version_document(policy.data))
    version = policy.data.get("DefaultVersionId", "?")
    count = int(policy.data.get("AttachmentCount") or 0)
    if where is None:
        return ctx.passed(policy, f"policy {policy.name} ({version}) does not allow * on *")
    if count == 0:
        return ctx.passed(policy, f"policy {policy.name} allows * on * but is not attached")
    return ctx.failed(
        policy,
        f"policy {policy.name} ({version}, statement {where}) allows * on * and is attached "
        f"to {count} principal(s)",
    )


def _judge_inline(ctx: CheckContext, principal: Resource) -> CheckResult:
    for inline in inline_policies(principal):
        where = full_admin_statement(inline.get("PolicyDocument"))
        if where:
            return ctx.failed(
                principal,
                f"inline policy {inline.get('PolicyName')} of {principal.name} "
                f"(statement {where}) allows * on *",
            )
    return ctx.passed(principal, f"no inline policy of {principal.name} allows * on *")
