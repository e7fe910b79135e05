from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity, Status

HUB = "AWS::SecurityHub::Hub"


@check(
    title="Security Hub is enabled in every scanned region",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=HUB,
    wa=("SEC04-BP02",),
    cis=("5.16",),
    permissions=("securityhub:DescribeHub",),
    remediation=Remediation(
        text=(
            "Security Hub gathers GuardDuty, Inspector, Macie, Config and partner findings into "
            "one normalised feed and runs the CIS/FSBP controls. A region where it is off has "
            "no central view; enable it in every region and aggregate to one home region."
        ),
        console="Security Hub console > switch to the region > Go to Security Hub > Enable Security Hub.",
        cli="aws securityhub enable-security-hub --enable-default-standards --region <region>",
        url="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",
    ),
)
def securityhub_enabled_all_regions(ctx: CheckContext) -> Results:
    """Each scanned (account, region) has a Security Hub hub.

    One result per region. ``DescribeHub`` answers "not subscribed" where Security Hub
    is off, which the collector records as no hub (a FAIL here), distinct from a call
    that failed for another reason (NOT_ASSESSED, reported by the runner).
    """
    for account, region in ctx.scopes():
        hubs = ctx.related(HUB, account, region)
        if hubs:
            reason = f"Security Hub is enabled in {region} ({hubs[0].arn})"
            yield ctx.scope_result(Status.PASS, account, region, reason)
        else:
            reason = f"Security Hub is not enabled in {region} (DescribeHub: not subscribed)"
            yield ctx.scope_result(Status.FAIL, account, region, reason)
