"""RDS DB instances are not reachable from the internet."""

from __future__ import annotations

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.rds._rds import INSTANCE, INSTANCE_PERMISSIONS
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="RDS DB instances are not publicly accessible",
    severity=Severity.HIGH,
    area=Area.INFRASTRUCTURE,
    resource_type=INSTANCE,
    wa=("SEC05-BP01", "SEC06-BP02"),
    cis=("3.2.3",),
    permissions=INSTANCE_PERMISSIONS,
    remediation=Remediation(
        text=(
            "A publicly accessible instance gets a DNS name that resolves to a public IP, "
            "so only its security group stands between the database and the internet. "
            "Turn the flag off and reach the database from inside the VPC (application "
            "tier, bastion via Session Manager, VPN)."
        ),
        console=(
            "RDS console > Databases > <db-instance> > Modify > Connectivity > Additional "
            "configuration > Not publicly accessible > Continue > Apply immediately."
        ),
        cli=(
            "aws rds modify-db-instance --db-instance-identifier <db-instance-id> "
            "--no-publicly-accessible --apply-immediately"
        ),
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding",
    ),
)
def rds_instance_not_publicly_accessible(ctx: CheckContext) -> Results:
    """Checks that each DB instance has ``PubliclyAccessible: false``.

    With the flag on, RDS gives the instance's endpoint a public IP address (when its
    subnets route to an internet gateway); whether a connection then succeeds is up
    to the security groups and network ACLs, which are easy to loosen later. CIS
    3.2.3 asks for the flag itself to be off, so this check does not try to prove
    reachability; the reason names the endpoint for follow-up.
    """
    for inst in ctx.resources():
        yield _assess(ctx, inst)


def _assess(ctx: CheckContext, inst: Resource) -> CheckResult:
    if inst.data.get("PubliclyAccessible") is True:
        endpoint = (inst.data.get("Endpoint") or {}).get("Address", "its endpoint")
        return ctx.failed(
            inst, f"DB instance {inst.id} is PubliclyAccessible: {endpoint} resolves to a public IP"
        )
    return ctx.passed(inst, f"DB instance {inst.id} is not publicly accessible")
