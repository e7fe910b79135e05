from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._roles import BREAK_GLASS, PURPOSE_TAG, is_break_glass
from cloudwarden.checks.builtin.iam._trust import open_trust_reasons
from cloudwarden.model import Area, Remediation, Severity, Status


@check(
    title="Each account has a break-glass role for emergency access",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::Role",
    wa=("SEC03-BP03",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "When the identity provider or IAM Identity Center is down, or a bad SCP or "
            "policy locks administrators out, the team needs a prepared, tightly guarded "
            "way in. Create a break-glass role in each account, assumable only by a few "
            "named emergency principals (with MFA), tag it, alert on every use and test it."
        ),
        console="IAM > Roles > Create role > trust the emergency principals only > attach the needed policy > tag cloudwarden:purpose=break-glass.",
        cli=(
            "aws iam create-role --role-name <break-glass-role> --assume-role-policy-document "
            "file://<trust-policy.json> --tags Key=cloudwarden:purpose,Value=break-glass && "
            "aws iam attach-role-policy --role-name <break-glass-role> --policy-arn "
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        url="https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_permissions_emergency_process.html",
    ),
)
def iam_break_glass_role_exists(ctx: CheckContext) -> Results:
    """Checks that each account has an emergency-access (break-glass) role that is not open to all.

    A break-glass role is one tagged ``cloudwarden:purpose=break-glass`` or named
    ``break-glass`` / ``breakglass`` / ``emergency-access``, assumable by people (an
    AWS or federated principal, not only a service). One whose trust policy lets anyone
    assume it does not count: an emergency door open to everyone is a weakness, not a
    process. The result is per account.
    """
    roles = ctx.resources()
    for account, region in ctx.scopes():
        candidates = [r for r in roles if r.account == account and is_break_glass(r)]
        usable = [
            r.name
            for r in candidates
            if not open_trust_reasons(r.data.get("AssumeRolePolicyDocument"))
        ]
        if usable:
            reason = f"break-glass role(s) {', '.join(usable)} exist with a restricted trust policy"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        elif candidates:
            names = ", ".join(r.name for r in candidates)
            yield ctx.scope_result(
                Status.FAIL,
                account,
                region,
                f"break-glass role(s) {names} can be assumed by anyone",
            )
        else:
            reason = f"no role tagged {PURPOSE_TAG}={BREAK_GLASS} or named break-glass exists in account {account}"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
