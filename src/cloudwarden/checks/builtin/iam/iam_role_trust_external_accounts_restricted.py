from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._trust import (
    account_of,
    organisation_accounts,
    trusted_principals,
)
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="Roles trusting accounts outside the organisation require an external ID",
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::Role",
    requires=("AWS::Organizations::Organization",),
    wa=("SEC03-BP07", "SEC03-BP08"),
    permissions=(
        "iam:GetAccountAuthorizationDetails",
        "organizations:DescribeOrganization",
        "organizations:ListAccountsForParent",
    ),
    regional=False,
    remediation=Remediation(
        text=(
            "A third party that assumes roles in many customers' accounts can be tricked into "
            "using your role on someone else's behalf (the confused deputy). Require the "
            "external ID the third party assigned to you in an sts:ExternalId condition, and "
            "remove trust to accounts you no longer work with."
        ),
        console="IAM > Roles > <role> > Trust relationships > Edit trust policy: add Condition StringEquals sts:ExternalId.",
        cli="aws iam update-assume-role-policy --role-name <role-name> --policy-document file://<trust-policy-with-external-id.json>",
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html",
    ),
)
def iam_role_trust_external_accounts_restricted(ctx: CheckContext) -> Results:
    """Checks that every account outside the organisation trusted by a role must present an external ID.

    "Inside" means the role's own account and the accounts of its organisation as far as
    the snapshot knows them (the Organizations account list, the scanned member accounts
    and the management account named by ``DescribeOrganization``); without organisation
    data every other account is outside. A trust statement naming an outside account
    (``"123456789012"`` or any ARN in it) must pin ``sts:ExternalId`` with a positive
    operator. Wildcard principals are left to ``iam_role_trust_not_open``.
    """
    for role in ctx.resources():
        inside = organisation_accounts(ctx.snapshot, role.account)
        loose = []
        for p in trusted_principals(role.data.get("AssumeRolePolicyDocument")):
            acct = account_of(p.value) if p.kind == "AWS" else None
            if acct and acct != "*" and acct not in inside and "sts:externalid" not in p.pinned:
                loose.append(f"{p.value} (statement {p.sid})")
        if loose:
            yield ctx.failed(
                role,
                f"role {role.name} trusts outside account(s) without sts:ExternalId: "
                + ", ".join(loose),
            )
        else:
            yield ctx.passed(
                role, f"role {role.name} trusts no outside account without an external ID"
            )
