from __future__ import annotations

from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._credentials import ROOT_ROW, age_days
from cloudwarden.model import Area, Remediation, Severity, Status

RECENT_DAYS = 90
_USAGE_FIELDS = {
    "password_last_used": "password",
    "access_key_1_last_used_date": "access key 1",
    "access_key_2_last_used_date": "access key 2",
}


@check(
    title="The root user has not been used in the last 90 days",
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::CredentialReport",
    wa=("SEC01-BP02",),
    cis=("2.7",),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    regional=False,
    remediation=Remediation(
        text=(
            "Daily and administrative work belongs to IAM Identity Center users or roles "
            "whose rights can be limited and audited; the root user is for the handful of "
            "tasks only it can do. Find out who used root and why, move that work to a "
            "role, and alert on every root sign-in."
        ),
        console=(
            "IAM > Credential report > Download; review the <root_account> row. "
            "CloudTrail > Event history, filter User name = root."
        ),
        cli=(
            "aws iam generate-credential-report && aws iam get-credential-report "
            "--query Content --output text | base64 -d | grep '<root_account>'"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-best-practices.html",
    ),
)
def iam_root_not_used_recently(ctx: CheckContext) -> Results:
    """Checks that the root user's password and access keys were not used in the last 90 days.

    The credential report's ``<root_account>`` row carries ``password_last_used`` and
    each root access key's ``last_used_date``. Any use within 90 days of the snapshot
    means the root user is part of someone's routine, where a mistake or a stolen
    session has no limit at all. Without a ``<root_account>`` row the check reports
    NOT_ASSESSED (some emulators omit it).
    """
    for report in ctx.resources():
        rows = [r for r in report.data.get("rows") or [] if isinstance(r, dict)]
        root = next((r for r in rows if r.get("user") == ROOT_ROW), None)
        arn = f"arn:{ctx.snapshot.partition}:iam::{report.account}:root"
        if root is None:
            reason = "the credential report has no <root_account> row to read root usage from"
            yield ctx.scope_result(Status.NOT_ASSESSED, report.account, report.region, reason, arn)
            continue
        status, reason = _judge(root, ctx)
        yield ctx.scope_result(status, report.account, report.region, reason, arn)


def _judge(root: dict[str, Any], ctx: CheckContext) -> tuple[Status, str]:
    now = ctx.snapshot.created_at
    uses = [
        (days, label, root[field])
        for field, label in _USAGE_FIELDS.items()
        if (days := age_days(root.get(field), now)) is not None
    ]
    if not uses:
        return Status.PASS, "root user has no recorded password or access-key use"
    days, label, when = min(uses)
    if days <= RECENT_DAYS:
        return Status.FAIL, f"root user's {label} was last used {when}, {days} days before the scan"
    return Status.PASS, f"root user last used its {label} {when}, {days} days before the scan"
