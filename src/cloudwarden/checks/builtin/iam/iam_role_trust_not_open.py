from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._trust import open_trust_reasons
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="IAM role trust policies do not let anyone assume the role",
    severity=Severity.CRITICAL,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::Role",
    wa=("SEC03-BP07",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "A trust policy that names every principal, or every token of a web-identity "
            "provider, lets strangers assume the role and use its permissions. Name the "
            "exact accounts or roles that may assume it, or pin the caller with a condition "
            "(aws:PrincipalOrgID, aws:SourceAccount, sts:ExternalId); for OIDC providers, "
            "require the token's sub claim (e.g. repo:<org>/<repo>:ref:refs/heads/main)."
        ),
        console="IAM > Roles > <role> > Trust relationships > Edit trust policy.",
        cli="aws iam update-assume-role-policy --role-name <role-name> --policy-document file://<trust-policy.json>",
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html",
    ),
)
def iam_role_trust_not_open(ctx: CheckContext) -> Results:
    """Checks that no role can be assumed by arbitrary AWS identities or arbitrary web identities.

    A role is open when an ``Allow`` statement of its trust policy grants
    ``sts:AssumeRole*`` to ``"*"`` / ``{"AWS": "*"}`` / an account wildcard, or via
    ``NotPrincipal``, without a condition pinning the caller to fixed values of an
    identifying key (``aws:PrincipalOrgID``, ``aws:PrincipalAccount``,
    ``aws:PrincipalArn``, ``aws:SourceAccount``, ``aws:SourceArn``, ``sts:ExternalId``
    ...); ``...IfExists``, ``ForAllValues:`` and negated operators pin nothing because
    they hold when the key is absent. A web-identity (OIDC) trust is open without a
    condition on ``<provider>:sub`` (``cognito-identity.amazonaws.com:aud`` for
    Cognito), since the provider issues tokens to identities that are not yours.
    """
    for role in ctx.resources():
        reasons = open_trust_reasons(role.data.get("AssumeRolePolicyDocument"))
        if reasons:
            yield ctx.failed(role, f"role {role.name} is open: " + "; ".join(reasons))
        else:
            yield ctx.passed(
                role, f"role {role.name}'s trust policy names or pins who may assume it"
            )
