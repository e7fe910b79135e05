from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import (
    TRAIL,
    collection_gap,
    is_account_wide,
    shortfall,
    unknown_parts,
)
from cloudwarden.model import Area, Remediation, Severity, Status


@check(
    title="A multi-region CloudTrail trail is logging all management events",
    severity=Severity.HIGH,
    area=Area.DETECTION,
    resource_type=TRAIL,
    wa=("SEC04-BP01",),
    cis=("4.1",),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    ),
    regional=False,
    remediation=Remediation(
        text=(
            "Without a trail that records every region, API activity in a region nobody watches "
            "(the favourite place to mine crypto or hide persistence) leaves no durable record. "
            "Create a multi-region trail, start it, and keep the default event selector so it "
            "records read and write management events."
        ),
        console=(
            "CloudTrail > Trails > Create trail; or open the trail, Edit, set 'Apply trail to all "
            "regions' and Management events 'Read' and 'Write', then Start logging."
        ),
        cli=(
            "aws cloudtrail create-trail --name <trail-name> --s3-bucket-name <bucket> "
            "--is-multi-region-trail --enable-log-file-validation --kms-key-id <kms-key-arn> && "
            "aws cloudtrail start-logging --name <trail-name>"
        ),
        url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
    ),
    references=(
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html",
    ),
)
def cloudtrail_multi_region_enabled(ctx: CheckContext) -> Results:
    """At least one trail records management events in every region of the account.

    One result per account. A trail qualifies when ``IsMultiRegionTrail`` is true,
    ``GetTrailStatus`` says ``IsLogging``, and its event selectors record both read and
    write management events (a trail without custom selectors does). An organisation
    trail seen from a member account counts for that member: it records the member's
    activity. Where no trail qualifies but a region's trails, or a multi-region trail's
    status, could not be read, the account is NOT_ASSESSED instead of failed.
    """
    for account, region in ctx.scopes():
        trails = ctx.related(TRAIL, account)
        good = sorted(t.name for t in trails if is_account_wide(t))
        if good:
            reason = f"multi-region trail {good[0]} is logging read and write management events"
            yield ctx.scope_result(Status.PASS, account, region, reason, trails=good)
            continue
        unknown = [*unknown_parts(trails), collection_gap(ctx, account, [TRAIL])]
        reasons = [u for u in unknown if u]
        if reasons:
            yield ctx.scope_result(Status.NOT_ASSESSED, account, region, reasons[0])
            continue
        why = "; ".join(shortfall(t) for t in trails) or "no CloudTrail trail exists"
        yield ctx.scope_result(
            Status.FAIL, account, region, f"no multi-region trail records the account: {why}"
        )
