from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.cloudtrail._bucket import (
    blocks_off,
    policy_is_public,
    public_grants,
)
from cloudwarden.checks.builtin.cloudtrail._trails import (
    BUCKET,
    TRAIL,
    bucket_unknown,
    owned,
    trail_bucket,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="The S3 bucket that receives CloudTrail logs is not public",
    severity=Severity.CRITICAL,
    area=Area.DETECTION,
    resource_type=TRAIL,
    requires=(BUCKET,),
    wa=("SEC04-BP01", "SEC03-BP07"),
    permissions=(
        "cloudtrail:DescribeTrails",
        "s3:ListAllMyBuckets",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
    remediation=Remediation(
        text=(
            "A public trail bucket hands the account's full activity history — principals, "
            "IPs, resource names — to anyone, and a public write lets them plant or erase "
            "evidence. Remove public statements and grants and turn on all four Block Public "
            "Access settings on the bucket."
        ),
        console=(
            "S3 > <bucket> > Permissions: Block public access > Edit > Block all public access; "
            "then edit the bucket policy and ACL to remove '*' principals and AllUsers grants."
        ),
        cli=(
            "aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration "
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
        ),
        url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
    ),
)
def cloudtrail_bucket_not_public(ctx: CheckContext) -> Results:
    """The trail's destination bucket has no public policy, no public ACL grant, and all
    four Block Public Access flags in force (on the bucket or on its account).

    Public policy uses S3's own ``GetBucketPolicyStatus`` verdict. The bucket is looked
    up in the whole snapshot, so a central log bucket in another scanned account is
    judged too; a bucket outside the snapshot is NOT_ASSESSED, as is one whose
    policy, ACL or Block Public Access could not be read and shows no public access
    in what could.
    """
    for trail in ctx.resources():
        if owned(trail):
            yield _assess(ctx, trail, trail_bucket(ctx, trail))


def _parts(bucket: Resource | None) -> list[str]:
    """Settings needed: the ACL, BPA, and the policy verdict or, failing that, the policy."""
    errors = bucket.data.get("_errors", {}) if bucket else {}
    policy = ["PolicyStatus", "Policy"] if {"PolicyStatus", "Policy"} <= set(errors) else []
    return ["Acl", "PublicAccessBlock", *policy]


def _assess(ctx: CheckContext, trail: Resource, bucket: Resource | None) -> CheckResult:
    unknown = bucket_unknown(trail, bucket, _parts(bucket))
    if bucket is None:
        return ctx.not_assessed(trail, unknown or "trail bucket unknown")
    name = bucket.name
    if policy_is_public(bucket):
        return ctx.failed(trail, f"bucket {name} of trail {trail.name} has a public bucket policy")
    grants = public_grants(bucket)
    if grants:
        return ctx.failed(
            trail, f"bucket {name} of trail {trail.name} has public ACL grants {', '.join(grants)}"
        )
    if unknown:
        return ctx.not_assessed(trail, unknown)
    off, account_unknown = blocks_off(ctx, bucket)
    if off and account_unknown:
        return ctx.not_assessed(trail, account_unknown)
    if off:
        return ctx.failed(
            trail, f"bucket {name} of trail {trail.name} lacks Block Public Access {', '.join(off)}"
        )
    return ctx.passed(
        trail, f"bucket {name} of trail {trail.name} is private and blocks public access"
    )
