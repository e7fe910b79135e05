"""S3 buckets have Block Public Access fully in force."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._s3 import (
    ACCOUNT_BLOCK,
    BLOCK_SETTINGS,
    BUCKET,
    LIST_PERMISSIONS,
    AccountBlock,
    detail_error,
    on_settings,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="S3 buckets have Block Public Access fully in force",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC03-BP07", "SEC08-BP04"),
    cis=("3.1.4",),
    permissions=(
        *LIST_PERMISSIONS,
        "s3:GetBucketPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
    requires=(ACCOUNT_BLOCK,),
    remediation=Remediation(
        text=(
            "Block Public Access overrides any policy or ACL that would make the bucket "
            "public. Turn on all four settings on the bucket, or once on the account so "
            "every bucket inherits them."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Permissions > Block public access (bucket "
            "settings) > Edit > tick 'Block all public access' > Save changes."
        ),
        cli=(
            "aws s3api put-public-access-block --bucket <bucket> "
            "--public-access-block-configuration "
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
            "RestrictPublicBuckets=true"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
)
def s3_bucket_public_access_blocked(ctx: CheckContext) -> Results:
    """Checks that all four Block Public Access settings are in force for each bucket.

    S3 evaluates Block Public Access per setting as the most restrictive of the
    bucket-level and account-level configurations. A bucket passes when its own
    configuration has all four settings on, when the account's does, or when the two
    together cover all four; the reason says which. ``BlockPublicAcls`` and
    ``BlockPublicPolicy`` stop new public ACLs and policies from being written;
    ``IgnorePublicAcls`` and ``RestrictPublicBuckets`` neutralise the ones already
    there, so all four are needed (CIS 3.1.4). If the bucket's own setting is
    incomplete and the account's could not be read, the bucket is NOT_ASSESSED.
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "PublicAccessBlock")
    own = on_settings(bucket.data.get("PublicAccessBlock"))
    if not error and own == set(BLOCK_SETTINGS):
        return ctx.passed(bucket, "bucket-level Block Public Access has all four settings on")
    account = AccountBlock(ctx, bucket)
    if account.on == set(BLOCK_SETTINGS):
        return ctx.passed(
            bucket, "account-level Block Public Access (all four settings on) covers this bucket"
        )
    if error:
        return ctx.not_assessed(bucket, f"bucket Block Public Access unreadable: {error}")
    if not account.known:
        return ctx.not_assessed(bucket, f"bucket-level settings are incomplete and {account.error}")
    off = [s for s in BLOCK_SETTINGS if s not in own | account.on]
    if not off:
        return ctx.passed(
            bucket,
            "bucket and account settings together turn on all four Block Public Access settings",
        )
    return ctx.failed(
        bucket,
        f"Block Public Access is not in force: {', '.join(off)} off at bucket and account level",
        bucket_settings=bucket.data.get("PublicAccessBlock"),
        account_settings=sorted(account.on),
    )
