"""RDS DB snapshots are not shared with everyone."""

from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult, Results, check
from cloudwarden.checks.builtin.rds._rds import SNAPSHOT
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="RDS DB snapshots are not public",
    severity=Severity.CRITICAL,
    area=Area.DATA,
    resource_type=SNAPSHOT,
    wa=("SEC03-BP07", "SEC08-BP04"),
    permissions=("rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes"),
    remediation=Remediation(
        text=(
            "A public snapshot can be copied and restored by any AWS account, which hands "
            "over the whole database. Remove 'all' from the snapshot's restore attribute "
            "and share with named accounts only if sharing is needed."
        ),
        console=(
            "RDS console > Snapshots > <snapshot> > Actions > Share snapshot > DB snapshot "
            "visibility: Private > Save."
        ),
        cli=(
            "aws rds modify-db-snapshot-attribute --db-snapshot-identifier <snapshot-id> "
            "--attribute-name restore --values-to-remove all"
        ),
        url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html",
    ),
)
def rds_snapshot_not_public(ctx: CheckContext) -> Results:
    """Checks that no DB snapshot lists ``all`` in its ``restore`` attribute.

    Manual snapshots are shared through the ``restore`` attribute
    (``DescribeDBSnapshotAttributes``): account ids share privately, the value
    ``all`` makes the snapshot public. Automated snapshots cannot be shared at all
    and pass as such; encrypted snapshots cannot be made public by RDS, but are
    evaluated the same way. Accounts it is shared with privately are listed in the
    evidence, not failed.
    """
    for snap in ctx.resources():
        yield _assess(ctx, snap)


def _restore_values(snap: Resource) -> list[str]:
    for attr in snap.data.get("DBSnapshotAttributes") or []:
        if attr.get("AttributeName") == "restore":
            return [str(v) for v in attr.get("AttributeValues") or []]
    return []


def _assess(ctx: CheckContext, snap: Resource) -> CheckResult:
    if snap.data.get("SnapshotType") == "automated":
        return ctx.passed(snap, f"automated snapshot {snap.id} cannot be shared")
    errors: dict[str, Any] = snap.data.get("_errors") or {}
    if errors.get("DBSnapshotAttributes"):
        return ctx.not_assessed(
            snap, f"snapshot attributes unreadable: {errors['DBSnapshotAttributes']}"
        )
    values = _restore_values(snap)
    if "all" in values:
        return ctx.failed(
            snap, f"snapshot {snap.id} restore attribute includes 'all': it is public"
        )
    shared = [v for v in values if v != "all"]
    if shared:
        return ctx.passed(
            snap,
            f"snapshot {snap.id} is shared privately with {len(shared)} account(s)",
            shared_with=shared,
        )
    return ctx.passed(snap, f"snapshot {snap.id} is not shared")
