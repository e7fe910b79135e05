from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._roles import incident_response_basis
from cloudwarden.checks.builtin.iam._trust import open_trust_reasons
from cloudwarden.model import Area, Remediation, Severity, Status


@check(
    title="Each account has a pre-provisioned incident-response role",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type="AWS::IAM::Role",
    wa=("SEC10-BP05",),
    permissions=("iam:GetAccountAuthorizationDetails",),
    regional=False,
    remediation=Remediation(
        text=(
            "Responders who must first ask for access lose the first hours of an incident. "
            "Pre-provision a role in every account with read access for investigation "
            "(SecurityAudit or ReadOnlyAccess), assumable only by the security team, tag it "
            "cloudwarden:purpose=incident-response, and rehearse its use."
        ),
        console="IAM > Roles > Create role > trust the security team's role or account > attach SecurityAudit > tag cloudwarden:purpose=incident-response.",
        cli=(
            "aws iam create-role --role-name <incident-response-role> --assume-role-policy-document "
            "file://<trust-policy.json> --tags Key=cloudwarden:purpose,Value=incident-response && "
            "aws iam attach-role-policy --role-name <incident-response-role> --policy-arn "
            "arn:aws:iam::aws:policy/SecurityAudit"
        ),
        url="https://docs.aws.amazon.com/wellarchitected/latest/security-pillar/sec_incident_response_pre_provision_access.html",
    ),
)
def iam_incident_response_role_exists(ctx: CheckContext) -> Results:
    """Checks that each account has a role the security team can assume to investigate.

    A role counts when people (an AWS or federated principal) can assume it, its trust
    policy is not open to everyone, and it is either tagged
    ``cloudwarden:purpose=incident-response`` or has the AWS managed ``SecurityAudit`` or
    ``ReadOnlyAccess`` policy attached. The result is per account.
    """
    partition = ctx.snapshot.partition
    roles = ctx.resources()
    for account, region in ctx.scopes():
        found = []
        for role in roles:
            basis = incident_response_basis(role, partition) if role.account == account else None
            if basis and not open_trust_reasons(role.data.get("AssumeRolePolicyDocument")):
                found.append(f"{role.name} ({basis})")
        if found:
            yield ctx.scope_result(
                Status.PASS, account, region, "incident-response role(s): " + "; ".join(found)
            )
        else:
            reason = f"no role in account {account} is set up for incident response"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
