from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._policy import attached_policy_arns
from cloudwarden.checks.builtin.iam._roles import aws_managed
from cloudwarden.model import Area, Remediation, Severity, Status


@check(
    title="A role with AWSSupportAccess exists to work incidents with AWS Support",
    severity=Severity.LOW,
    area=Area.INCIDENT_RESPONSE,
    resource_type="AWS::IAM::Role",
    wa=("SEC10-BP01",),
    cis=("2.15",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "During an incident the responders need to open and follow AWS Support cases "
            "without borrowing an administrator's access. Create a role with the AWS managed "
            "AWSSupportAccess policy that the operations or security team can assume."
        ),
        console="IAM > Roles > Create role > trust the responders' account or role > attach AWSSupportAccess.",
        cli=(
            "aws iam create-role --role-name <support-role> --assume-role-policy-document "
            "file://<trust-policy.json> && aws iam attach-role-policy --role-name <support-role> "
            "--policy-arn arn:aws:iam::aws:policy/AWSSupportAccess"
        ),
        url="https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html",
    ),
)
def iam_support_role_exists(ctx: CheckContext) -> Results:
    """Checks that each account has at least one IAM role with ``AWSSupportAccess`` attached.

    CIS asks for a dedicated support role so that managing AWS Support cases, which is
    often part of handling an incident, does not require broader rights. The AWS-managed
    policy ARN is ``arn:aws:iam::aws:policy/AWSSupportAccess``; the result is per account.
    """
    wanted = aws_managed(ctx.snapshot.partition, "AWSSupportAccess")
    roles = ctx.resources()
    for account, region in ctx.scopes():
        found = [
            r.name for r in roles if r.account == account and wanted in attached_policy_arns(r)
        ]
        if found:
            reason = f"role(s) {', '.join(found)} have AWSSupportAccess attached"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        else:
            reason = f"no IAM role in account {account} has AWSSupportAccess attached"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
