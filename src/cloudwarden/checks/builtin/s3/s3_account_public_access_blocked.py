"""S3 Block Public Access is fully on for the whole account."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.s3._s3 import (
    ACCOUNT_BLOCK,
    BLOCK_SETTINGS,
    detail_error,
    on_settings,
)
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="S3 Block Public Access is fully on at account level",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=ACCOUNT_BLOCK,
    wa=("SEC03-BP07", "SEC08-BP04"),
    cis=("3.1.4",),
    permissions=("s3:GetAccountPublicAccessBlock",),
    regional=False,
    remediation=Remediation(
        text=(
            "With all four account-level settings on, no bucket or access point of the "
            "account can be made public by a policy or an ACL, whoever edits it later. "
            "Turn them on unless the account deliberately serves public content from S3."
        ),
        console=(
            "S3 console > Block Public Access settings for this account > Edit > tick "
            "'Block all public access' > Save changes > confirm."
        ),
        cli=(
            "aws s3control put-public-access-block --account-id <account-id> "
            "--public-access-block-configuration "
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
            "RestrictPublicBuckets=true"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
)
def s3_account_public_access_blocked(ctx: CheckContext) -> Results:
    """Checks that the account-level S3 Block Public Access has all four settings on.

    The account-level setting (S3 Control ``GetPublicAccessBlock``) applies to every
    bucket and access point the account owns, now and in future, and S3 combines it
    with each bucket's own setting by taking the most restrictive of the two. It is
    the one control that keeps a later, careless bucket policy or ACL from exposing
    data, which is why CIS 3.1.4 asks for it. An account that never configured it
    has all four settings off (S3 Control answers NoSuchPublicAccessBlockConfiguration).
    """
    for res in ctx.resources():
        error = detail_error(res, "PublicAccessBlockConfiguration")
        if error:
            yield ctx.not_assessed(res, f"account-level Block Public Access unreadable: {error}")
            continue
        config = res.data.get("PublicAccessBlockConfiguration")
        if config is None:
            yield ctx.failed(
                res,
                f"account {res.account} never configured Block Public Access: all four are off",
            )
            continue
        off = [s for s in BLOCK_SETTINGS if s not in on_settings(config)]
        if off:
            yield ctx.failed(
                res, f"account-level Block Public Access leaves {', '.join(off)} off", config=config
            )
        else:
            yield ctx.passed(res, "all four account-level Block Public Access settings are on")
