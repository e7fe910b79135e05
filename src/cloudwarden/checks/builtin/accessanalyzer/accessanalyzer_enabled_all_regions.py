from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Resource, Severity, Status

# Analyzer types that look for external access (the *_UNUSED_ACCESS / INTERNAL_ACCESS types do not).
EXTERNAL_ACCESS_TYPES = frozenset({"ACCOUNT", "ORGANIZATION"})


@check(
    title="IAM Access Analyzer for external access is active in every region",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::AccessAnalyzer::Analyzer",
    wa=("SEC03-BP07",),
    cis=("2.18",),
    permissions=("access-analyzer:ListAnalyzers",),
    regional=True,
    remediation=Remediation(
        text=(
            "Access Analyzer continuously finds buckets, keys, roles, queues and other "
            "resources shared outside your account or organisation, but only in the region "
            "where an analyzer runs. Create an external-access analyzer (organisation-wide "
            "from the delegated administrator, or per account) in every region you use."
        ),
        console="IAM > Access analyzer > Analyzer settings > Create analyzer (type: external access), in each region.",
        cli="aws accessanalyzer create-analyzer --analyzer-name <analyzer-name> --type ACCOUNT --region <region>",
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html",
    ),
)
def accessanalyzer_enabled_all_regions(ctx: CheckContext) -> Results:
    """Checks that every scanned region of every account is covered by an active external-access analyzer.

    Analyzers are regional and see only their region's resources. A region is covered
    by an ``ACTIVE`` analyzer of type ``ACCOUNT`` in the account itself, or of type
    ``ORGANIZATION`` in that region in any account of the snapshot (an organisation
    analyzer, usually in the delegated administrator account, covers every member).
    Regions where the analyzers could not be listed are NOT_ASSESSED, not failed.
    """
    active = [a for a in ctx.resources() if _external_and_active(a)]
    for account, region in ctx.scopes():
        own = [a.name for a in active if a.account == account and a.region == region]
        org = [a for a in active if a.region == region and a.data.get("type") == "ORGANIZATION"]
        if own:
            reason = f"active external-access analyzer(s) {', '.join(own)} in {region}"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        elif org:
            reason = f"organisation analyzer {org[0].arn} covers {region}"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        else:
            reason = f"no active external-access analyzer covers account {account} in {region}"
            yield ctx.scope_result(Status.FAIL, account, region, reason)


def _external_and_active(analyzer: Resource) -> bool:
    return (
        analyzer.data.get("status") == "ACTIVE"
        and analyzer.data.get("type") in EXTERNAL_ACCESS_TYPES
    )
