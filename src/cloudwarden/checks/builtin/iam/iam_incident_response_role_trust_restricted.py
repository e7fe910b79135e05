from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._roles import incident_response_basis
from cloudwarden.checks.builtin.iam._trust import (
    TrustedPrincipal,
    account_of,
    open_trust,
    trusted_principals,
)
from cloudwarden.model import Area, Remediation, Severity

# Condition keys that narrow "any principal of account X" down to named people or roles.
_NARROWING = ("aws:principalarn", "aws:userid", "aws:username", "aws:principaltag/")


@check(
    title="Incident-response roles can be assumed only by named principals",
    severity=Severity.HIGH,
    area=Area.INCIDENT_RESPONSE,
    resource_type="AWS::IAM::Role",
    wa=("SEC10-BP05", "SEC03-BP02"),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "An incident-response role sees the whole account's configuration (and often its "
            "logs and data), so it is a prize for an intruder. Trust the security team's "
            "specific role(s) or identity provider, not a whole account: a trust to "
            "arn:aws:iam::<account>:root lets every principal in that account with "
            "sts:AssumeRole rights become a responder. Add an aws:PrincipalArn condition if "
            "the trust must name the account."
        ),
        console="IAM > Roles > <role> > Trust relationships > Edit trust policy: replace the account root with the responders' role ARN(s).",
        cli="aws iam update-assume-role-policy --role-name <incident-response-role> --policy-document file://<trust-naming-responder-roles.json>",
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html",
    ),
)
def iam_incident_response_role_trust_restricted(ctx: CheckContext) -> Results:
    """Checks that incident-response roles trust named principals, not whole accounts or everyone.

    Incident-response roles are recognised as in ``iam_incident_response_role_exists``.
    A trust statement naming an account (``"123456789012"`` or ``arn:aws:iam::<id>:root``)
    delegates to that account's administrators: any principal there whose own policy
    allows ``sts:AssumeRole`` on the role may assume it. That is acceptable only when a
    condition pins ``aws:PrincipalArn``, ``aws:userid``, ``aws:username`` or a principal
    tag. An open trust (see ``iam_role_trust_not_open``) fails too. Roles trusted by
    specific role or user ARNs, or by a SAML / pinned OIDC provider, pass.
    """
    partition = ctx.snapshot.partition
    for role in ctx.resources():
        basis = incident_response_basis(role, partition)
        if basis is None:
            continue
        problems = [
            why
            for p in trusted_principals(role.data.get("AssumeRolePolicyDocument"))
            if (why := open_trust(p) or _whole_account(p))
        ]
        if problems:
            yield ctx.failed(
                role, f"incident-response role {role.name} ({basis}): " + "; ".join(problems)
            )
        else:
            yield ctx.passed(
                role, f"incident-response role {role.name} ({basis}) trusts named principals only"
            )


def _whole_account(p: TrustedPrincipal) -> str | None:
    if p.kind != "AWS":
        return None
    account = account_of(p.value)
    if account is None or account == "*":
        return None
    if p.value != account and not p.value.endswith(":root"):
        return None
    if any(key.startswith(_NARROWING) for key in p.pinned):
        return None
    return (
        f"statement {p.sid} trusts all of account {account} ({p.value}) without naming principals"
    )
