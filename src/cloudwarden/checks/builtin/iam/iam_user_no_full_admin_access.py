from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._policy import admin_grants
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="No IAM user holds full administrator access",
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::User",
    requires=("AWS::IAM::Group", "AWS::IAM::ManagedPolicy"),
    wa=("SEC02-BP02", "SEC03-BP02"),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "An IAM user is a long-lived identity: its password and access keys work until "
            "revoked, so full admin on a user is standing, always-on privilege. Give "
            "administrators a role (or an IAM Identity Center permission set) they assume "
            "with MFA when needed, and remove admin policies from users and their groups."
        ),
        console="IAM > Users > <user> > Permissions and Groups: remove AdministratorAccess (or the *:* policy) and the admin group membership.",
        cli=(
            "aws iam remove-user-from-group --group-name <admin-group> --user-name <user-name> ; "
            "aws iam detach-user-policy --user-name <user-name> --policy-arn "
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp",
    ),
)
def iam_user_no_full_admin_access(ctx: CheckContext) -> Results:
    """Checks that no IAM user gets ``*`` on ``*``, directly or through its groups.

    Covers what the CIS "no *:* policy attached" control leaves out: the AWS-managed
    ``AdministratorAccess`` policy and admin grants that reach a user through group
    membership. A user holds full admin when any inline policy, attached managed policy
    (default version), or policy of a group it belongs to allows every action on every
    resource. Permission boundaries and SCPs can still cap it, but the intent to grant
    standing admin to a long-lived identity is the finding.
    """
    managed = {p.arn: p for p in ctx.resources("AWS::IAM::ManagedPolicy")}
    groups = {(g.account, g.name): g for g in ctx.resources("AWS::IAM::Group")}
    for user in ctx.resources():
        routes = list(admin_grants(user, managed))
        for name in user.data.get("GroupList") or []:
            group: Resource | None = groups.get((user.account, str(name)))
            if group is not None:
                routes += [f"group {name}: {g}" for g in admin_grants(group, managed)]
        if routes:
            yield ctx.failed(user, f"user {user.name} has full admin via " + "; ".join(routes))
        else:
            yield ctx.passed(user, f"user {user.name} has no policy granting * on *")
