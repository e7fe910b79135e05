"""Active keys older than 90 days (by CreateDate, from the snapshot's time) fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_user_access_keys_rotated_90_days"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def key(key_id: str, age: int, status: str = "Active") -> dict[str, Any]:
    return {
        "AccessKeyId": key_id,
        "Status": status,
        "CreateDate": (NOW - timedelta(days=age)).isoformat(),
    }


def judge(data: dict[str, Any]) -> Any:
    arn = f"arn:aws:iam::{ACCOUNT}:user/ci"
    user = make_resource(
        "AWS::IAM::User", arn, {"UserName": "ci", **data}, region="global", name="ci"
    )
    snap = make_snapshot([user]).model_copy(update={"created_at": NOW})
    [finding] = findings_for(snap, CHECK)
    return finding


@pytest.mark.parametrize(
    ("keys", "status"),
    [
        ([], Status.PASS),
        ([key("AKIAFRESH", 30)], Status.PASS),
        ([key("AKIAEDGE", 90)], Status.PASS),  # exactly 90 days is still within policy
        ([key("AKIAOLD", 91)], Status.FAIL),
        ([key("AKIAOLD", 400, status="Inactive")], Status.PASS),  # inactive keys cannot sign
        ([key("AKIAFRESH", 1), key("AKIAOLD", 120)], Status.FAIL),
    ],
)
def test_key_age(keys: list[dict[str, Any]], status: Status) -> None:
    assert judge({"AccessKeys": keys}).status is status


def test_failure_names_key_and_age() -> None:
    finding = judge({"AccessKeys": [key("AKIAOLD", 120)]})
    assert "AKIAOLD (120 days)" in finding.status_reason


def test_unlisted_keys_are_not_assessed() -> None:
    finding = judge(
        {"AccessKeys": None, "_errors": {"AccessKeys": "iam:ListAccessKeys: AccessDenied"}}
    )
    assert finding.status is Status.NOT_ASSESSED
