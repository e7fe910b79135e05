"""S3 bucket ACLs grant nothing to everyone or to every AWS user."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.s3._s3 import (
    ACCOUNT_BLOCK,
    BUCKET,
    LIST_PERMISSIONS,
    detail_error,
    enforced_by,
)
from cloudwarden.model import Area, Remediation, Resource, Severity

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers (anyone)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": (
        "AuthenticatedUsers (any AWS account)"
    ),
}


@check(
    title="S3 bucket ACLs do not grant access to everyone",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=BUCKET,
    wa=("SEC03-BP07", "SEC08-BP04"),
    permissions=(
        *LIST_PERMISSIONS,
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
    requires=(ACCOUNT_BLOCK,),
    remediation=Remediation(
        text=(
            "A grant to the AllUsers or AuthenticatedUsers group opens the bucket to anyone "
            "(or to any AWS customer). Reset the ACL to private and disable ACLs altogether "
            "with the BucketOwnerEnforced object ownership setting."
        ),
        console=(
            "S3 console > Buckets > <bucket> > Permissions > Object Ownership > Edit > "
            "'ACLs disabled (recommended)' > Save changes."
        ),
        cli=(
            "aws s3api put-bucket-acl --bucket <bucket> --acl private && "
            "aws s3api put-bucket-ownership-controls --bucket <bucket> "
            "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"
        ),
        url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
    ),
    references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html",),
)
def s3_bucket_acl_not_public(ctx: CheckContext) -> Results:
    """Checks that a bucket's ACL has no grant to the AllUsers or AuthenticatedUsers group.

    S3's predefined groups ``AllUsers`` (anyone, signed or not) and
    ``AuthenticatedUsers`` (anyone with any AWS account, not just yours) make a
    bucket public whatever the grant's permission: READ lists objects, WRITE lets
    strangers plant or overwrite data, READ_ACP/WRITE_ACP expose or hand over the
    ACL itself. When ``IgnorePublicAcls`` is in force (bucket or account level) S3
    disregards such grants, so the bucket passes with that reason. Object ACLs are
    not inspected.
    """
    for bucket in ctx.resources():
        yield _assess(ctx, bucket)


def public_grants(acl: dict[str, Any] | None) -> list[str]:
    """ "READ to AllUsers (anyone)"-style descriptions of the ACL's public grants."""
    found = []
    for grant in (acl or {}).get("Grants", []):
        group = PUBLIC_GROUPS.get(str(grant.get("Grantee", {}).get("URI", "")))
        if group:
            found.append(f"{grant.get('Permission', '?')} to {group}")
    return found


def _assess(ctx: CheckContext, bucket: Resource) -> CheckResult:
    error = detail_error(bucket, "Acl")
    if error:
        return ctx.not_assessed(bucket, f"bucket ACL unreadable: {error}")
    grants = public_grants(bucket.data.get("Acl"))
    if not grants:
        return ctx.passed(bucket, "bucket ACL has no grant to AllUsers or AuthenticatedUsers")
    level = enforced_by(ctx, bucket, "IgnorePublicAcls")
    if level:
        return ctx.passed(
            bucket, f"ACL grants {', '.join(grants)}, but {level}-level IgnorePublicAcls voids it"
        )
    return ctx.failed(bucket, f"bucket ACL grants {', '.join(grants)}", grants=grants)
