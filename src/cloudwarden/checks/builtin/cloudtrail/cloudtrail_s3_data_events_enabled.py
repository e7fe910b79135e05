from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.cloudtrail._trails import (
    READ_WRITE,
    TRAIL,
    collection_gap,
    is_logging,
    s3_data_access,
    selectors_known,
)
from cloudwarden.model import Area, Remediation, Resource, Severity, Status


@check(
    title="A multi-region trail records S3 object-level read and write events for all buckets",
    severity=Severity.MEDIUM,
    area=Area.DETECTION,
    resource_type=TRAIL,
    wa=("SEC04-BP01",),
    cis=("4.8", "4.9"),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    ),
    regional=False,
    remediation=Remediation(
        text=(
            "Management events show who changed a bucket, not who read or deleted its objects. "
            "To answer 'what data was taken?' after an incident, record S3 data events (GetObject, "
            "PutObject, DeleteObject) for all buckets on a multi-region trail."
        ),
        console=(
            "CloudTrail > Trails > <multi-region trail> > Data events > Edit > Add data event type "
            "S3, log all current and future buckets, Read and Write."
        ),
        cli=(
            "aws cloudtrail put-event-selectors --trail-name <trail-name> --event-selectors "
            '\'[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":'
            '[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]\''
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html",
    ),
)
def cloudtrail_s3_data_events_enabled(ctx: CheckContext) -> Results:
    """Every bucket's object-level reads (CIS 4.9) and writes (CIS 4.8) are recorded.

    One result per account. Counted trails are multi-region and logging. A classic
    selector covers all buckets with a ``DataResources`` entry of type
    ``AWS::S3::Object`` and value ``arn:aws:s3`` (or ``arn:aws:s3:::``); its
    ``ReadWriteType`` says read, write or both. An advanced selector covers them with
    ``eventCategory = Data`` and ``resources.type = AWS::S3::Object`` and no further
    narrowing except ``readOnly``. Reads and writes may come from different trails.
    """
    for account, region in ctx.scopes():
        trails = [
            t
            for t in ctx.related(TRAIL, account)
            if t.data.get("IsMultiRegionTrail") and is_logging(t) is not False
        ]
        covered = _coverage(trails)
        if covered == READ_WRITE:
            yield ctx.scope_result(
                Status.PASS, account, region, "S3 object-level reads and writes are recorded"
            )
            continue
        unknown = [f"trail {t.name} status or selectors unknown" for t in trails if _unknown(t)]
        gap = unknown[0] if unknown else collection_gap(ctx, account, [TRAIL])
        if gap:
            yield ctx.scope_result(Status.NOT_ASSESSED, account, region, gap)
            continue
        missing = " and ".join(sorted(READ_WRITE - covered))
        yield ctx.scope_result(
            Status.FAIL,
            account,
            region,
            f"no logging multi-region trail records S3 object-level {missing} events for all buckets",
            trails=sorted(t.name for t in trails),
        )


def _unknown(trail: Resource) -> bool:
    return is_logging(trail) is None or not selectors_known(trail)


def _coverage(trails: list[Resource]) -> frozenset[str]:
    found: set[str] = set()
    for trail in trails:
        if is_logging(trail):
            found |= s3_data_access(trail)
    return frozenset(found)
