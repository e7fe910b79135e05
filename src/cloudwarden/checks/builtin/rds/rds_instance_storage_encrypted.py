"""RDS DB instances encrypt their storage."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.rds._rds import INSTANCE, INSTANCE_PERMISSIONS
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="RDS DB instances have storage encryption enabled",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=INSTANCE,
    wa=("SEC08-BP02",),
    cis=("3.2.1",),
    permissions=INSTANCE_PERMISSIONS,
    remediation=Remediation(
        text=(
            "Encryption at rest protects the instance's storage, automated backups, read "
            "replicas and snapshots with a KMS key. It cannot be switched on in place: "
            "snapshot the instance, copy the snapshot with a KMS key, restore a new "
            "instance from the encrypted copy and move the application to it."
        ),
        console=(
            "RDS console > Snapshots > <snapshot of the instance> > Actions > Copy snapshot "
            "> Enable encryption with a KMS key; then Actions > Restore snapshot."
        ),
        cli=(
            "aws rds copy-db-snapshot --source-db-snapshot-identifier <snapshot-id> "
            "--target-db-snapshot-identifier <snapshot-id>-encrypted --kms-key-id <kms-key-id> "
            "&& aws rds restore-db-instance-from-db-snapshot --db-instance-identifier "
            "<new-db-instance-id> --db-snapshot-identifier <snapshot-id>-encrypted"
        ),
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    ),
)
def rds_instance_storage_encrypted(ctx: CheckContext) -> Results:
    """Checks that each DB instance reports ``StorageEncrypted: true``.

    RDS encryption is chosen at creation and covers the underlying storage, logs,
    automated backups, read replicas and snapshots; an unencrypted instance cannot be
    encrypted later except through an encrypted snapshot copy (CIS 3.2.1). For Aurora,
    encryption is a cluster property that each member instance reports too.
    """
    for inst in ctx.resources():
        yield _assess(ctx, inst)


def _assess(ctx: CheckContext, inst: Resource) -> CheckResult:
    if inst.data.get("StorageEncrypted") is True:
        key = inst.data.get("KmsKeyId") or "its KMS key"
        return ctx.passed(inst, f"DB instance {inst.id} storage is encrypted with {key}")
    return ctx.failed(inst, f"DB instance {inst.id} has StorageEncrypted false")
