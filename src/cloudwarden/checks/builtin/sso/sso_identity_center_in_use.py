from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity, Status

SSO_TYPES = ("AWS::SSO::Instance", "AWS::SSO::Assignment")


@check(
    title="People reach each account through IAM Identity Center or identity federation",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::SSO::Instance",
    requires=("AWS::SSO::Assignment", "AWS::IAM::SAMLProvider"),
    wa=("SEC02-BP04",),
    cis=("2.19",),
    permissions=(
        "sso:ListInstances",
        "sso:ListAccountAssignmentsForPrincipal",
        "identitystore:ListUsers",
        "identitystore:ListGroups",
        "iam:ListSAMLProviders",
    ),
    regional=False,
    remediation=Remediation(
        text=(
            "With a central identity provider, joiners, movers and leavers are handled once "
            "and every sign-in uses short-lived credentials and the provider's MFA. Assign "
            "the account's people through IAM Identity Center permission sets (or federate "
            "the account with your SAML provider) and retire IAM users kept for people."
        ),
        console="IAM Identity Center > AWS accounts > select the account > Assign users or groups > choose a permission set.",
        cli=(
            "aws sso-admin create-account-assignment --instance-arn <instance-arn> --target-id "
            "<account-id> --target-type AWS_ACCOUNT --permission-set-arn <permission-set-arn> "
            "--principal-type GROUP --principal-id <group-id>"
        ),
        url="https://docs.aws.amazon.com/singlesignon/latest/userguide/getting-started.html",
    ),
)
def sso_identity_center_in_use(ctx: CheckContext) -> Results:
    """Checks that each account is reached through IAM Identity Center or a SAML identity provider.

    An account passes when an Identity Center account assignment anywhere in the snapshot
    targets it (assignments live with the organisation's instance, usually in the
    management account), or when the account has an IAM SAML provider (direct
    federation). Otherwise people must be signing in as IAM users, which CIS 2.19
    asks to avoid. When Identity Center data is missing somewhere, or the scan covers a
    member account without its management account, the answer is NOT_ASSESSED.
    """
    for account, region in ctx.scopes():
        status, reason = _judge(ctx, account)
        yield ctx.scope_result(status, account, region, reason)


def _judge(ctx: CheckContext, account: str) -> tuple[Status, str]:
    assignments = ctx.snapshot.of_type("AWS::SSO::Assignment")
    mine = [a for a in assignments if a.data.get("AccountId") == account]
    if mine:
        sets = sorted({str(a.data.get("PermissionSetArn", "")).rsplit("/", 1)[-1] for a in mine})
        return (
            Status.PASS,
            f"{len(mine)} Identity Center assignment(s) target account {account} "
            f"(permission sets {', '.join(sets)})",
        )
    saml = ctx.related("AWS::IAM::SAMLProvider", account)
    if saml:
        names = ", ".join(s.name for s in saml)
        return Status.PASS, f"account {account} federates through SAML provider(s) {names}"
    manager = _management_account(ctx, account)
    failed = [
        e
        for e in ctx.snapshot.errors
        if set(e.resource_types) & set(SSO_TYPES)
        and (not manager or e.account in (account, manager))
    ]
    if failed:
        err = failed[0]
        return (
            Status.NOT_ASSESSED,
            f"Identity Center data is incomplete ({err.account}: {err.code}: {err.reason})",
        )
    if manager and manager not in {a.id for a in ctx.snapshot.accounts}:
        return (
            Status.NOT_ASSESSED,
            f"assignments are visible only from management account {manager}, which was not scanned",
        )
    return (
        Status.FAIL,
        f"no Identity Center assignment or SAML federation reaches account {account}",
    )


def _management_account(ctx: CheckContext, account: str) -> str:
    """The account's organisation management account, when the snapshot tells."""
    for org in ctx.related("AWS::Organizations::Organization", account):
        manager = str(org.data.get("MasterAccountId", ""))
        if manager:
            return manager
    return str(ctx.snapshot.organization.get("management_account", ""))
