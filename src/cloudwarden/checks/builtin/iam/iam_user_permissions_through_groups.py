from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._policy import attached_policy_arns, inline_policies
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="IAM users receive permissions only through groups",
    severity=Severity.LOW,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::User",
    wa=("SEC02-BP06", "SEC03-BP02"),
    cis=("2.13",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "Permissions attached user by user drift apart and are forgotten when people "
            "change jobs. Grant them through groups that mirror job functions, so access is "
            "reviewed, granted and revoked by membership."
        ),
        console="IAM > Users > <user> > Permissions: add the user to a group with the policy, then remove the direct policies.",
        cli=(
            "aws iam add-user-to-group --group-name <group-name> --user-name <user-name> && "
            "aws iam detach-user-policy --user-name <user-name> --policy-arn <policy-arn> && "
            "aws iam delete-user-policy --user-name <user-name> --policy-name <inline-policy-name>"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html",
    ),
)
def iam_user_permissions_through_groups(ctx: CheckContext) -> Results:
    """Checks that no IAM user has a managed policy attached directly or an inline policy.

    ``GetAccountAuthorizationDetails`` lists each user's ``AttachedManagedPolicies`` and
    ``UserPolicyList`` (inline policies); both must be empty, leaving group membership
    (``GroupList``) as the only source of the user's permissions.
    """
    for user in ctx.resources():
        attached = attached_policy_arns(user)
        inline = [str(p.get("PolicyName")) for p in inline_policies(user)]
        direct = [f"managed {arn}" for arn in attached] + [f"inline {name}" for name in inline]
        if direct:
            yield ctx.failed(
                user, f"user {user.name} has policies of its own: " + ", ".join(direct)
            )
        else:
            groups = ", ".join(user.data.get("GroupList") or []) or "none"
            yield ctx.passed(user, f"user {user.name} has no direct policies (groups: {groups})")
