"""rds_snapshot_not_public: 'all' in the restore attribute makes a snapshot public."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "rds_snapshot_not_public"


def snapshot(ident: str, kind: str, restore: list[str] | None, **extra: Any) -> Any:
    attrs = None if restore is None else [{"AttributeName": "restore", "AttributeValues": restore}]
    data = {
        "DBSnapshotIdentifier": ident,
        "SnapshotType": kind,
        "DBSnapshotAttributes": attrs,
        **extra,
    }
    arn = f"arn:aws:rds:us-east-1:123456789012:snapshot:{ident}"
    return make_resource("AWS::RDS::DBSnapshot", arn, data)


@pytest.mark.parametrize(
    ("kind", "restore", "status", "reason_part"),
    [
        ("manual", ["all"], Status.FAIL, "includes 'all'"),
        ("manual", ["111122223333", "all"], Status.FAIL, "includes 'all'"),
        ("manual", ["111122223333"], Status.PASS, "shared privately with 1 account(s)"),
        ("manual", [], Status.PASS, "is not shared"),
        ("automated", None, Status.PASS, "automated snapshot cw-snap cannot be shared"),
    ],
    ids=["public", "public-and-shared", "shared-privately", "private", "automated"],
)
def test_restore_attribute(
    kind: str, restore: list[str] | None, status: Status, reason_part: str
) -> None:
    [finding] = findings_for(make_snapshot([snapshot("cw-snap", kind, restore)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unreadable_attributes_are_not_assessed() -> None:
    broken = snapshot(
        "cw-snap", "manual", None, _errors={"DBSnapshotAttributes": "AccessDenied: no"}
    )
    [finding] = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
