"""``guardduty.enable_detector`` against the lab (detector CRUD works in moto; findings do not).

AWS allows one detector per account and region; moto does not enforce it, so each test
creates its own detector beside any other in the shared emulator and deletes none.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action

REGION = "eu-west-1"  # not the context's default: the region parameter is honoured


def _suspended_detector(env: Any, region: str, *, tags: dict[str, str] | None = None) -> str:
    gd = env.admin.client("guardduty", region)
    return str(gd.create_detector(Enable=False, Tags=tags or {})["DetectorId"])


def _status(env: Any, detector_id: str, region: str) -> str:
    return str(env.admin.client("guardduty", region).get_detector(DetectorId=detector_id)["Status"])


def test_enable_detector_plan_apply_noop_rollback(env: Any) -> None:
    detector = _suspended_detector(env, REGION)
    action = get_action("guardduty.enable_detector")
    params = {"detector_id": detector, "region": REGION}

    plan = action.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["UpdateDetector"]
    assert plan.calls[0].params == {"DetectorId": detector, "Enable": True}
    assert plan.before == {"status": "DISABLED"}
    assert plan.target.region == REGION
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _status(env, detector, REGION) == "ENABLED"
    assert action.plan(env.aws, params).noop

    action.rollback(env.aws, result)
    assert _status(env, detector, REGION) == "DISABLED"


def test_enable_detector_refuses_an_exempt_detector(env: Any) -> None:
    region = "us-east-1"
    detector = _suspended_detector(env, region, tags={"cloudwarden:exempt": "true"})
    plan = get_action("guardduty.enable_detector").plan(
        env.aws, {"detector_id": detector, "region": region}
    )
    assert plan.exempt == f"detector {detector} is tagged cloudwarden:exempt=true"
    assert plan.calls == ()
    assert _status(env, detector, region) == "DISABLED"


def test_a_missing_detector_is_one_clear_error(env: Any) -> None:
    with pytest.raises(ActionError):
        get_action("guardduty.enable_detector").plan(env.aws, {"detector_id": "0" * 32})
