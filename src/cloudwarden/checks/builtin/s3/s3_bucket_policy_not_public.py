"""S3 bucket policies do not grant public access."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._public_policy import public_grants
from cloudwarden.checks.builtin.s3._s3 import (
    ACCOUNT_BLOCK,
    BUCKET,
    LIST_PERMISSIONS,
    detail_error,
    enforced_by,
)
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="S3 bucket policies do not grant public access",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC03-BP07", "SEC08-BP04"),
    cis=("2.21",),
    permissions=(
        *LIST_PERMISSIONS,
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
    requires=(ACCOUNT_BLOCK,),
    remediation=Remediation(
        text=(
            'A statement that allows Principal "*" without a condition pinning the caller '
            "(aws:PrincipalOrgID, aws:SourceVpce, aws:SourceIp, ...) lets anyone on the "
            "internet use it. Name the principals that need access, or add such a "
            "condition; turn on Block Public Access so a public policy cannot come back."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Permissions > Bucket policy > Edit: remove "
            "or restrict the public statement > Save changes."
        ),
        cli=(
            "aws s3api get-bucket-policy --bucket <bucket> --query Policy --output text "
            "> policy.json && (edit policy.json) && "
            "aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
    ),
    references=(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
    ),
)
def s3_bucket_policy_not_public(ctx: CheckContext) -> Results:
    """Checks that no bucket policy statement lets anyone in.

    A statement is public when it allows ``Principal: "*"`` (or ``{"AWS": "*"}``, or
    uses ``NotPrincipal``) and no condition limits the caller to fixed values of an
    identifying key such as ``aws:PrincipalOrgID``, ``aws:SourceVpce``,
    ``aws:SourceIp`` or ``aws:SourceAccount`` - the rule S3 itself applies when it
    decides whether a policy is public. A Deny-to-everyone fence using the negated
    form of such a condition neutralises the statements it covers. S3's own verdict
    (``GetBucketPolicyStatus``) is honoured too: a policy it calls public fails.

    S3 does not serve a public policy to the world when ``RestrictPublicBuckets`` is
    in force (bucket or account level): then only AWS services and the owner's own
    principals get through, and the bucket passes with that reason.
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Policy")
    if error:
        return ctx.not_assessed(bucket, f"bucket policy unreadable: {error}")
    policy = bucket.data.get("Policy")
    if not policy:
        return ctx.passed(bucket, "bucket has no bucket policy")
    grants = public_grants(policy)
    status = bucket.data.get("PolicyStatus") or {}
    if not grants and status.get("IsPublic") is not True:
        return ctx.passed(bucket, "no bucket policy statement grants access to everyone")
    why = grants[0].describe() if grants else "S3 reports the bucket policy as public (IsPublic)"
    level = enforced_by(ctx, bucket, "RestrictPublicBuckets")
    if level:
        return ctx.passed(
            bucket, f"{why}, but {level}-level RestrictPublicBuckets keeps anonymous callers out"
        )
    return ctx.failed(
        bucket, why, public_statements=[g.sid for g in grants], policy_status=status or None
    )
