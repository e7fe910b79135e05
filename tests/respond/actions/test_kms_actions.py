"""KMS actions on the lab: a key saved from deletion, a key enabled again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.actions.kms import remaining_window


def make_key(env: Any, *, tags: list[dict[str, str]] | None = None) -> str:
    kms = env.client("kms")
    return str(kms.create_key(Tags=tags or [])["KeyMetadata"]["Arn"])


def key_id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]  # moto's ScheduleKeyDeletion/DisableKey take no ARN


def state(env: Any, key: str) -> dict[str, Any]:
    meta: dict[str, Any] = env.client("kms").describe_key(KeyId=key)["KeyMetadata"]
    return meta


def test_cancel_key_deletion_cycle(env: Any) -> None:
    key = make_key(env)
    env.client("kms").schedule_key_deletion(KeyId=key_id(key), PendingWindowInDays=10)
    act = get_action("kms.cancel_key_deletion")

    plan = act.plan(env.aws, {"key_id": key})
    assert [(c.operation, c.params["KeyId"]) for c in plan.calls] == [
        ("CancelKeyDeletion", key_id(key)),
        ("EnableKey", key_id(key)),
    ]
    assert plan.before["key_state"] == "PendingDeletion" and plan.before["deletion_date"]
    assert plan.target.resource == key and plan.target.account == "123456789012"

    result = act.apply(env.aws, plan)
    meta = state(env, key)
    assert meta["KeyState"] == "Enabled" and "DeletionDate" not in meta

    assert act.plan(env.aws, {"key_id": key}).noop

    rolled = act.rollback(env.aws, result)
    (call,) = rolled.calls
    assert call.operation == "ScheduleKeyDeletion" and call.params["PendingWindowInDays"] == 10
    meta = state(env, key)
    assert meta["KeyState"] == "PendingDeletion"
    days = (meta["DeletionDate"] - dt.datetime.now(dt.UTC)).total_seconds() / 86400
    assert 9.9 < days <= 10.01


def test_cancel_key_deletion_by_key_id_and_exempt(env: Any) -> None:
    key = make_key(env, tags=[{"TagKey": "cloudwarden:exempt", "TagValue": "true"}])
    env.client("kms").schedule_key_deletion(KeyId=key_id(key), PendingWindowInDays=7)
    plan = get_action("kms.cancel_key_deletion").plan(env.aws, {"key_id": key_id(key)})
    assert plan.exempt is not None and plan.calls == ()
    assert state(env, key)["KeyState"] == "PendingDeletion"


def test_remaining_window_is_a_valid_pending_window() -> None:
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert remaining_window("2026-11-11T00:00:00+00:00", now) == 10
    assert remaining_window("2026-11-02T00:00:00+00:00", now) == 7  # AWS's minimum
    assert remaining_window("2027-01-01T00:00:00+00:00", now) == 30  # and maximum
    assert remaining_window(None, now) == 30


def test_enable_key_cycle(env: Any) -> None:
    key = make_key(env)
    env.client("kms").disable_key(KeyId=key_id(key))
    act = get_action("kms.enable_key")

    plan = act.plan(env.aws, {"key_id": key})
    assert [c.operation for c in plan.calls] == ["EnableKey"]
    result = act.apply(env.aws, plan)
    assert state(env, key)["KeyState"] == "Enabled"
    assert act.plan(env.aws, {"key_id": key}).noop

    act.rollback(env.aws, result)
    assert state(env, key)["KeyState"] == "Disabled"


def test_enable_key_pending_deletion_needs_cancel(env: Any) -> None:
    key = make_key(env)
    env.client("kms").schedule_key_deletion(KeyId=key_id(key), PendingWindowInDays=7)
    with pytest.raises(ActionError, match="PendingDeletion"):
        get_action("kms.enable_key").plan(env.aws, {"key_id": key})
