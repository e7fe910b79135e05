"""Unused access from a synthetic credential report and last-used data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwarden.iam.access import unused_access, unused_findings
from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.model import Resource, Status
from cloudwarden.testing import make_resource

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ACCT = "123456789012"


def _ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def _row(name: str, **fields: str) -> dict[str, str]:
    row = {
        "user": name,
        "user_creation_time": _ago(400),
        "password_enabled": "false",
        "password_last_used": "N/A",
        "password_last_changed": "N/A",
        "access_key_1_active": "false",
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_rotated": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_rotated": "N/A",
    }
    row.update(fields)
    return row


def _user(name: str, row: dict[str, str] | None, **data: Any) -> Resource:
    arn = f"arn:aws:iam::{ACCT}:user/{name}"
    return make_resource(
        "AWS::IAM::User", arn, {"UserName": name, "CredentialReport": row, **data}, region="global"
    )


def _role(name: str, **data: Any) -> Resource:
    arn = f"arn:aws:iam::{ACCT}:role/{name}"
    return make_resource("AWS::IAM::Role", arn, {"RoleName": name, **data}, region="global")


SNAPSHOT = Snapshot(
    created_at=NOW,
    accounts=(AccountInfo(id=ACCT),),
    resources=(
        # key used 200 days ago, password used 10 days ago: the key is idle, the user not
        _user(
            "alice",
            _row(
                "alice",
                password_enabled="true",
                password_last_used=_ago(10),
                access_key_1_active="true",
                access_key_1_last_used_date=_ago(200),
                access_key_1_last_rotated=_ago(300),
            ),
        ),
        # a key created 120 days ago and never used: key and user idle
        _user("bob", _row("bob", access_key_1_active="true", access_key_1_last_rotated=_ago(120))),
        # no credentials at all, created 400 days ago
        _user("carol", _row("carol")),
        # created after the report was generated
        _user("dave", None, _errors={}),
        _role("app", RoleLastUsed={"LastUsedDate": _ago(3)}, CreateDate=_ago(500)),
        _role("legacy", RoleLastUsed={"LastUsedDate": _ago(100)}, CreateDate=_ago(500)),
        _role("fresh", RoleLastUsed={}, CreateDate=_ago(5)),
        _role("never", RoleLastUsed={}, CreateDate=_ago(365)),
    ),
)


def _by_name(days: int = 90) -> dict[str, Any]:
    return {u.name: u for u in unused_access(SNAPSHOT, days)}


def test_idle_credentials_and_principals() -> None:
    found = _by_name()
    assert {n for n, u in found.items() if u.unused} == {
        "alice access key 1",
        "bob access key 1",
        "bob",
        "carol",
        "legacy",
        "never",
    }
    assert found["alice access key 1"].idle_days == 200
    assert found["alice console password"].idle_days == 10 and not found["alice"].unused
    assert found["bob"].reason == "never used; created 400 days ago"


def test_threshold_is_a_parameter() -> None:
    found = _by_name(days=150)
    assert not found["bob access key 1"].unused and not found["legacy"].unused
    assert found["alice access key 1"].unused


def test_user_missing_from_report_is_not_assessed() -> None:
    dave = _by_name()["dave"]
    assert dave.idle_days is None and not dave.unused
    (finding,) = [f for f in unused_findings([dave], 90) if f.source_id == "iam_user_used_recently"]
    assert finding.status is Status.NOT_ASSESSED


def test_findings_have_one_id_per_credential() -> None:
    findings = unused_findings(unused_access(SNAPSHOT), 90)
    assert len({f.id for f in findings}) == len(findings)
    failed = {(f.source_id, f.status_reason.split(":")[0]) for f in findings if f.failed}
    assert ("iam_access_key_used_recently", "bob access key 1") in failed
    assert ("iam_role_used_recently", "never") in failed
    assert all(f.area.value == "identity_access" for f in findings)
