"""Unused access: users, console passwords, access keys and roles idle for N days.

Sources, as the inventory collects them ("Finding unused AWS credentials", IAM User
Guide): the credential report row merged into each user (``password_last_used``,
``access_key_N_last_used_date``, ``access_key_N_last_rotated``, ``user_creation_time``;
``N/A`` and ``no_information`` mean "never"), each access key's
``GetAccessKeyLastUsed`` answer (``AccessKeys[].LastUsed.LastUsedDate``), and a role's
``RoleLastUsed.LastUsedDate`` from ``GetAccountAuthorizationDetails`` (IAM tracks it
for the last 400 days). Idle time is measured from the snapshot's creation time, so a
saved snapshot gives the same answer tomorrow. A credential never used counts as idle
since it was created.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Resource

__all__ = ["DEFAULT_DAYS", "UnusedAccess", "unused_access"]

DEFAULT_DAYS = 90
Kind = Literal["user", "password", "access_key", "role"]


@dataclass(frozen=True, slots=True)
class UnusedAccess:
    """One user, credential or role and how long it has been idle.

    ``idle_days`` is ``None`` when the data to judge is missing (``reason`` says which);
    ``unused`` is true when it is idle for at least the threshold."""

    kind: Kind
    arn: str
    account: str
    name: str
    last_used: datetime | None
    idle_days: int | None
    unused: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "arn": self.arn, "account": self.account,
                "name": self.name, "unused": self.unused, "idle_days": self.idle_days,
                "last_used": None if self.last_used is None else self.last_used.isoformat(),
                "reason": self.reason}  # fmt: skip


def _date(value: Any) -> datetime | None:
    if (
        not isinstance(value, str)
        or not value
        or value in ("N/A", "no_information", "not_supported")
    ):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first(row: Mapping[str, Any], *fields: str) -> tuple[datetime | None, bool]:
    """The first field holding a date, and whether it was a use (the first field)."""
    for i, field in enumerate(fields):
        found = _date(row.get(field))
        if found is not None:
            return found, i == 0
    return None, False


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def unused_access(snapshot: Snapshot, days: int = DEFAULT_DAYS) -> list[UnusedAccess]:
    """Every user, enabled password, active access key and role, with its idle time."""
    out: list[UnusedAccess] = []
    for user in sorted(snapshot.of_type("AWS::IAM::User"), key=lambda r: r.arn):
        out += _user(user, snapshot.created_at, days)
    for role in sorted(snapshot.of_type("AWS::IAM::Role"), key=lambda r: r.arn):
        out.append(_role(role, snapshot.created_at, days))
    return out


def _entry(
    kind: Kind, r: Resource, name: str, when: datetime | None, used: bool, now: datetime, days: int
) -> UnusedAccess:
    if when is None:
        return UnusedAccess(kind, r.arn, r.account, name, None, None, False,
                            "no date of use or creation was collected")  # fmt: skip
    idle = max(0, (now - when).days)
    what = "last used" if used else "never used; created"
    return UnusedAccess(kind, r.arn, r.account, name, when if used else None, idle,
                        idle >= days, f"{what} {idle} days ago")  # fmt: skip


def _user(user: Resource, now: datetime, days: int) -> Iterator[UnusedAccess]:
    row = user.data.get("CredentialReport")
    if not isinstance(row, dict):
        error = (user.data.get("_errors") or {}).get("CredentialReport")
        yield UnusedAccess("user", user.arn, user.account, user.name, None, None, False,
                           error or "the user is not in the credential report")  # fmt: skip
        return
    activity: list[datetime] = []
    if _is_true(row.get("password_enabled")):
        when, used = _first(
            row, "password_last_used", "password_last_changed", "user_creation_time"
        )
        yield _entry("password", user, f"{user.name} console password", when, used, now, days)
        if used and when is not None:
            activity.append(when)
    keys = {str(k.get("AccessKeyId")): k for k in user.data.get("AccessKeys") or []}
    for n in (1, 2):
        if not _is_true(row.get(f"access_key_{n}_active")):
            continue
        when, used = _first(row, f"access_key_{n}_last_used_date", f"access_key_{n}_last_rotated")
        yield _entry("access_key", user, f"{user.name} access key {n}", when, used, now, days)
        if used and when is not None:
            activity.append(when)
    for key in keys.values():
        last = _date((key.get("LastUsed") or {}).get("LastUsedDate"))
        if last is not None:
            activity.append(last)
    created = _date(row.get("user_creation_time")) or _date(user.data.get("CreateDate"))
    if activity:
        yield _entry("user", user, user.name, max(activity), True, now, days)
    else:
        yield _entry("user", user, user.name, created, False, now, days)


def _role(role: Resource, now: datetime, days: int) -> UnusedAccess:
    last = _date((role.data.get("RoleLastUsed") or {}).get("LastUsedDate"))
    if last is not None:
        return _entry("role", role, role.name, last, True, now, days)
    return _entry("role", role, role.name, _date(role.data.get("CreateDate")), False, now, days)
