from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import EBS_DEFAULT_ENCRYPTION
from cloudwarden.model import Area, Remediation, Severity, Status


@check(
    title="EBS encryption by default is enabled in every region",
    severity=Severity.MEDIUM,
    area=Area.DATA,
    resource_type=EBS_DEFAULT_ENCRYPTION,
    wa=("SEC08-BP02", "SEC08-BP03"),
    cis=("6.1.1",),
    permissions=("ec2:GetEbsEncryptionByDefault",),
    remediation=Remediation(
        text=(
            "With encryption by default on, every new EBS volume and snapshot copy in the "
            "region is encrypted, whoever creates it and however, so no unencrypted volume "
            "can be created by oversight. The setting is per region: turn it on in each one "
            "you use."
        ),
        console=(
            "EC2 console (in each region) > Settings > Data protection and security > EBS "
            "encryption > Manage: tick Enable."
        ),
        cli="aws ec2 enable-ebs-encryption-by-default --region <region>",
        url="https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
    ),
)
def ec2_ebs_default_encryption_enabled(ctx: CheckContext) -> Results:
    """``GetEbsEncryptionByDefault`` returns true in each scanned region of each account.

    The result is about the region as a whole (ARN ``arn:aws:ec2:<region>:<account>:account``).
    The setting only affects volumes created after it is turned on; existing volumes
    are assessed by ``ec2_ebs_volume_encrypted``.
    """
    for account, region in ctx.scopes():
        found = ctx.related(EBS_DEFAULT_ENCRYPTION, account, region)
        if not found:
            yield ctx.scope_result(
                Status.NOT_ASSESSED, account, region, "EBS default encryption setting not collected"
            )
            continue
        setting = found[0]
        if setting.data.get("EbsEncryptionByDefault") is True:
            yield ctx.passed(setting, f"EBS encryption by default is enabled in {region}")
        else:
            yield ctx.failed(setting, f"EBS encryption by default is disabled in {region}")
