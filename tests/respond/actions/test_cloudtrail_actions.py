"""CloudTrail actions against the lab: restart logging, restore a weakened trail."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action

MANAGEMENT_ONLY = [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
READ_ONLY = [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]


def _trail(env: Any, *, tags: dict[str, str] | None = None) -> str:
    bucket = env.name("trail-logs")
    env.client("s3").create_bucket(Bucket=bucket)
    spec: dict[str, Any] = {}
    if tags:
        spec["TagsList"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    name = env.name("org-trail")
    env.client("cloudtrail").create_trail(Name=name, S3BucketName=bucket, **spec)
    return name


def _logging(env: Any, name: str) -> bool:
    return bool(env.client("cloudtrail").get_trail_status(Name=name)["IsLogging"])


def _trail_view(env: Any, name: str) -> dict[str, Any]:
    ct = env.client("cloudtrail")
    trail = ct.get_trail(Name=name)["Trail"]
    keys = ("IsMultiRegionTrail", "LogFileValidationEnabled", "S3KeyPrefix", "KmsKeyId")
    view = {k: trail.get(k) or None for k in keys}
    view["EventSelectors"] = ct.get_event_selectors(TrailName=name).get("EventSelectors")
    return view


# --- logging ---------------------------------------------------------------------------


def test_start_logging_plan_apply_noop_rollback(env: Any) -> None:
    name = _trail(env)  # created, never started: not logging
    action = get_action("cloudtrail.start_logging")

    plan = action.plan(env.aws, {"trail_name": name})
    assert [c.operation for c in plan.calls] == ["StartLogging"]
    assert plan.before == {"is_logging": False}
    assert plan.target.resource.endswith(f":trail/{name}")
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _logging(env, name)
    assert result.after == {"is_logging": True}
    assert action.plan(env.aws, {"trail_name": name}).noop

    undone = action.rollback(env.aws, result)
    assert [c.operation for c in undone.calls] == ["StopLogging"]
    assert not _logging(env, name)


def test_start_logging_refuses_an_exempt_trail(env: Any) -> None:
    name = _trail(env, tags={"cloudwarden:exempt": "true"})
    plan = get_action("cloudtrail.start_logging").plan(env.aws, {"trail_name": name})
    assert plan.exempt == f"trail {name} is tagged cloudwarden:exempt=true"
    assert plan.calls == ()
    assert not _logging(env, name)


def test_a_missing_trail_is_one_clear_error(env: Any) -> None:
    with pytest.raises(ActionError, match="not found"):
        get_action("cloudtrail.start_logging").plan(env.aws, {"trail_name": env.name("gone")})


# --- settings --------------------------------------------------------------------------


def _baseline(env: Any, name: str) -> dict[str, Any]:
    """A well-configured trail's settings, then the same trail weakened by an attacker."""
    key = env.client("kms").create_key(Description="trail key")["KeyMetadata"]["Arn"]
    ct = env.client("cloudtrail")
    ct.update_trail(
        Name=name,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        S3KeyPrefix="org",
    )
    ct.put_event_selectors(TrailName=name, EventSelectors=MANAGEMENT_ONLY)
    baseline = {
        "IsMultiRegionTrail": True,
        "LogFileValidationEnabled": True,
        "KmsKeyId": key,
        "S3KeyPrefix": "org",
        "EventSelectors": MANAGEMENT_ONLY,
    }
    ct.update_trail(
        Name=name,
        IsMultiRegionTrail=False,
        EnableLogFileValidation=False,
        KmsKeyId="",
        S3KeyPrefix="elsewhere",
    )
    ct.put_event_selectors(TrailName=name, EventSelectors=READ_ONLY)
    return baseline


def test_restore_trail_plan_apply_noop_rollback(env: Any) -> None:
    name = _trail(env)
    baseline = _baseline(env, name)
    weakened = _trail_view(env, name)
    action = get_action("cloudtrail.restore_trail")
    params = {"trail_name": name, "settings": baseline}

    plan = action.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["UpdateTrail", "PutEventSelectors"]
    update = plan.calls[0].params
    assert update["IsMultiRegionTrail"] is True and update["EnableLogFileValidation"] is True
    assert update["KmsKeyId"] == baseline["KmsKeyId"] and update["S3KeyPrefix"] == "org"
    assert "S3BucketName" not in update  # not given, not touched
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _trail_view(env, name) == baseline
    assert action.plan(env.aws, params).noop

    action.rollback(env.aws, result)
    assert _trail_view(env, name) == weakened


def test_restore_trail_rejects_unknown_settings(env: Any) -> None:
    params = {"trail_name": _trail(env), "settings": {"LogFileValidation": True}}
    with pytest.raises(ActionError, match="unknown trail setting"):
        get_action("cloudtrail.restore_trail").plan(env.aws, params)


def test_restore_trail_refuses_an_exempt_trail(env: Any) -> None:
    name = _trail(env, tags={"cloudwarden:exempt": "true"})
    params = {"trail_name": name, "settings": {"LogFileValidationEnabled": True}}
    plan = get_action("cloudtrail.restore_trail").plan(env.aws, params)
    assert plan.exempt and plan.calls == ()
    assert not env.client("cloudtrail").get_trail(Name=name)["Trail"]["LogFileValidationEnabled"]
