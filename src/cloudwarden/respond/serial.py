"""Action plans and results back from their journaled JSON (``as_dict`` in reverse).

Rollback and crash recovery work from the journal, not from objects kept in memory:
the process that applied a step may be long gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.respond.actions import ActionPlan, ActionResult, ApiCall, Target

__all__ = ["plan_from_dict", "result_from_dict"]


def _target(data: Mapping[str, Any]) -> Target:
    return Target(str(data["account"]), str(data["region"]), str(data["resource"]))


def _calls(data: Any) -> tuple[ApiCall, ...]:
    return tuple(
        ApiCall(
            service=str(c["service"]),
            operation=str(c["operation"]),
            params=dict(c.get("params") or {}),
            region=str(c["region"]),
            mutating=bool(c.get("mutating", True)),
        )
        for c in data or ()
    )


def plan_from_dict(data: Mapping[str, Any]) -> ActionPlan:
    return ActionPlan(
        action=str(data["action"]),
        target=_target(data["target"]),
        params=dict(data.get("params") or {}),
        calls=_calls(data.get("calls")),
        before=dict(data.get("before") or {}),
        noop=bool(data.get("noop")),
        summary=str(data.get("summary", "")),
        exempt=data.get("exempt"),
    )


def result_from_dict(data: Mapping[str, Any]) -> ActionResult:
    undo = data.get("undo")
    return ActionResult(
        action=str(data["action"]),
        target=_target(data["target"]),
        calls=_calls(data.get("calls")),
        before=dict(data.get("before") or {}),
        after=dict(data.get("after") or {}),
        undo=dict(undo) if isinstance(undo, Mapping) else None,
        outputs=dict(data.get("outputs") or {}),
    )
