"""RDS DB instances take minor engine upgrades automatically."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.rds._rds import INSTANCE, INSTANCE_PERMISSIONS
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="RDS DB instances have auto minor version upgrade enabled",
    severity=Severity.LOW,
    area=Area.INFRASTRUCTURE,
    resource_type=INSTANCE,
    wa=("SEC06-BP01",),
    cis=("3.2.2",),
    permissions=INSTANCE_PERMISSIONS,
    remediation=Remediation(
        text=(
            "Minor engine versions carry security fixes. With auto minor version upgrade "
            "on, RDS applies them during the instance's maintenance window instead of "
            "waiting for someone to remember."
        ),
        console=(
            "RDS console > Databases > <db-instance> > Modify > Maintenance > Enable auto "
            "minor version upgrade > Continue."
        ),
        cli=(
            "aws rds modify-db-instance --db-instance-identifier <db-instance-id> "
            "--auto-minor-version-upgrade --apply-immediately"
        ),
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html",
    ),
)
def rds_instance_minor_version_upgrade_enabled(ctx: CheckContext) -> Results:
    """Checks that each DB instance reports ``AutoMinorVersionUpgrade: true``.

    Minor versions of RDS engines fix bugs and vulnerabilities without breaking
    compatibility. With the flag on, RDS upgrades the instance in its maintenance
    window once a newer minor version is marked for automatic upgrade; with it off,
    the instance stays on its version until someone upgrades it (CIS 3.2.2).
    """
    for inst in ctx.resources():
        yield _assess(ctx, inst)


def _assess(ctx: CheckContext, inst: Resource) -> CheckResult:
    version = f"{inst.data.get('Engine', 'engine')} {inst.data.get('EngineVersion', '')}".strip()
    if inst.data.get("AutoMinorVersionUpgrade") is True:
        return ctx.passed(
            inst, f"DB instance {inst.id} ({version}) takes minor upgrades automatically"
        )
    return ctx.failed(inst, f"DB instance {inst.id} ({version}) has AutoMinorVersionUpgrade false")
