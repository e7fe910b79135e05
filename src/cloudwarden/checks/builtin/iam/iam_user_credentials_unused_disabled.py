from __future__ import annotations

from datetime import datetime
from typing import Any

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._credentials import age_days, is_true
from cloudwarden.model import Area, Remediation, Severity

UNUSED_DAYS = 45


@check(
    title="IAM user credentials unused for 45 days or more are disabled",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::User",
    wa=("SEC02-BP05", "SEC03-BP06"),
    cis=("2.11",),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    regional=False,
    remediation=Remediation(
        text=(
            "A password or access key nobody uses still works for whoever finds it, and its "
            "misuse stands out to no one. Remove console passwords and deactivate access keys "
            "that have not been used for 45 days; re-issue them if someone asks."
        ),
        console="IAM > Users > <user> > Security credentials: Manage console access > Disable; Access keys > Actions > Deactivate.",
        cli=(
            "aws iam delete-login-profile --user-name <user-name> ; aws iam update-access-key "
            "--user-name <user-name> --access-key-id <access-key-id> --status Inactive"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html",
    ),
)
def iam_user_credentials_unused_disabled(ctx: CheckContext) -> Results:
    """Checks that no enabled password or active access key has gone unused for 45 days.

    Reads the user's credential-report row. A password counts as unused since its last
    use (``password_last_used``), or, if never used, since it was set
    (``password_last_changed``, else ``user_creation_time``). An active key counts as
    unused since ``access_key_N_last_used_date``, or, if never used, since it was created
    (``access_key_N_last_rotated``). Ages are measured from the snapshot's time. A
    user missing from the report (created after it was generated) is NOT_ASSESSED.
    """
    now = ctx.snapshot.created_at
    for user in ctx.resources():
        row = user.data.get("CredentialReport")
        if not isinstance(row, dict):
            error = (user.data.get("_errors") or {}).get("CredentialReport")
            why = error or f"user {user.name} is not in the credential report (created after it?)"
            yield ctx.not_assessed(user, why)
            continue
        stale = _unused(row, now)
        if stale:
            yield ctx.failed(
                user,
                f"user {user.name} has credentials unused for {UNUSED_DAYS}+ days: "
                + "; ".join(stale),
            )
        else:
            yield ctx.passed(
                user, f"user {user.name} has no enabled credential unused for {UNUSED_DAYS} days"
            )


def _unused(row: dict[str, Any], now: datetime) -> list[str]:
    stale = []
    if is_true(row.get("password_enabled")):
        days = _idle_days(
            row, now, "password_last_used", "password_last_changed", "user_creation_time"
        )
        if days is not None and days >= UNUSED_DAYS:
            stale.append(f"console password idle {days} days")
    for n in (1, 2):
        if not is_true(row.get(f"access_key_{n}_active")):
            continue
        days = _idle_days(
            row, now, f"access_key_{n}_last_used_date", f"access_key_{n}_last_rotated"
        )
        if days is not None and days >= UNUSED_DAYS:
            stale.append(f"access key {n} idle {days} days")
    return stale


def _idle_days(row: dict[str, Any], now: datetime, *fields: str) -> int | None:
    """Days since the first of ``fields`` that holds a date (last use, else creation)."""
    for field in fields:
        days = age_days(row.get(field), now)
        if days is not None:
            return days
    return None
