from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity, Status

SCP = "SERVICE_CONTROL_POLICY"
POLICY_TYPE = "AWS::Organizations::Policy"


@check(
    title="Service control policies are enabled and a customer SCP is attached",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::Organizations::Organization",
    wa=("SEC03-BP05",),
    cis=("2.1.2",),
    permissions=(
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
    ),
    regional=False,
    remediation=Remediation(
        text=(
            "SCPs are the guardrails no account administrator can remove: deny leaving the "
            "organisation, disabling CloudTrail or GuardDuty, or using unapproved regions. "
            "Enable the SCP policy type on the root and attach at least one SCP of your own "
            "to the root or the OUs; FullAWSAccess alone restricts nothing."
        ),
        console="AWS Organizations > Policies > Service control policies > Enable; Create policy > Targets > Attach to the root or an OU.",
        cli=(
            "aws organizations enable-policy-type --root-id <root-id> --policy-type "
            "SERVICE_CONTROL_POLICY && aws organizations create-policy --name <scp-name> "
            '--type SERVICE_CONTROL_POLICY --description "<description>" --content '
            "file://<scp.json> && aws organizations attach-policy --policy-id <policy-id> "
            "--target-id <root-or-ou-id>"
        ),
        url="https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html",
    ),
)
def organizations_scps_enabled(ctx: CheckContext) -> Results:
    """Checks that the organisation uses SCPs: the policy type is enabled and a customer SCP is attached.

    Judged once per organisation, on the management account's view: the root's
    ``PolicyTypes`` must show ``SERVICE_CONTROL_POLICY`` as ``ENABLED``, and at least
    one SCP that is not AWS-managed (``FullAWSAccess`` allows everything) must have a
    target. Member accounts get no separate result when their management account was
    scanned; a member scanned alone is NOT_ASSESSED. An account outside any
    organisation fails: no guardrail can apply to it.
    """
    scanned = {a.id for a in ctx.snapshot.accounts}
    for account, region in ctx.scopes():
        org = next(iter(ctx.related("AWS::Organizations::Organization", account)), None)
        if org is None:
            reason = f"account {account} is not in an AWS Organization, so no SCP can guard it"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
        elif org.data.get("MasterAccountId") == account:
            yield _judge_management(ctx, org)
        elif org.data.get("MasterAccountId") not in scanned:
            reason = f"account {account} is a member of {org.data.get('Id')}; SCPs are visible only from its management account"
            yield ctx.scope_result(Status.NOT_ASSESSED, account, region, reason)


def _judge_management(ctx: CheckContext, org: Resource) -> CheckResult:
    missing = ctx.snapshot.missing(POLICY_TYPE, org.account, org.region)
    if missing is not None:
        return ctx.not_assessed(org, f"SCPs could not be listed: {missing.code}: {missing.reason}")
    roots = org.data.get("Roots") or []
    disabled = [
        str(root.get("Id"))
        for root in roots
        if not any(
            t.get("Type") == SCP and t.get("Status") == "ENABLED"
            for t in root.get("PolicyTypes") or []
        )
    ]
    if disabled or not roots:
        return ctx.failed(
            org,
            f"the SCP policy type is not enabled on root(s) {', '.join(disabled) or '(none listed)'}",
        )
    attached = [
        p
        for p in ctx.related(POLICY_TYPE, org.account)
        if p.data.get("Type") == SCP and not p.data.get("AwsManaged") and p.data.get("Targets")
    ]
    if not attached:
        return ctx.failed(
            org,
            f"organization {org.id} has no customer SCP attached; only AWS-managed FullAWSAccess applies",
        )
    names = ", ".join(
        f"{p.name} -> {', '.join(str(t.get('Name') or t.get('TargetId')) for t in p.data['Targets'])}"
        for p in attached
    )
    return ctx.passed(org, f"SCPs are enabled and attached: {names}")
