"""Shared logic of the "are these events routed somewhere?" checks.

A rule routes an event when it is enabled, sits on the region's default event bus
(AWS services publish only there), has an event pattern that matches the event
(see :mod:`._patterns`) and has at least one target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks.api import CheckContext, CheckResult
from cloudwarden.checks.builtin.events._patterns import matches
from cloudwarden.model import Resource, Status

RULE = "AWS::Events::Rule"
PERMISSIONS = ("events:ListEventBuses", "events:ListRules", "events:ListTargetsByRule")


@dataclass(frozen=True)
class EventKind:
    """What must be routed: a name for reasons, and one sample event per required case."""

    name: str
    samples: tuple[Mapping[str, Any], ...]


def on_default_bus(rule: Resource) -> bool:
    bus = str(rule.data.get("EventBusName", "default"))
    return bus == "default" or bus.endswith(":event-bus/default")


def sees(rule: Resource, event: Mapping[str, Any]) -> bool:
    pattern = rule.data.get("EventPattern")
    return isinstance(pattern, Mapping) and on_default_bus(rule) and matches(pattern, event)


def assess_region(
    ctx: CheckContext, account: str, region: str, kind: EventKind, rules: Iterable[Resource]
) -> CheckResult:
    """PASS when every sample is routed by some rule; otherwise say what stands in the way."""
    candidates = list(rules)
    routed: list[str] = []
    for sample in kind.samples:
        seeing = [r for r in candidates if sees(r, sample)]
        working = [r for r in seeing if _enabled(r) and r.data.get("Targets")]
        if working:
            routed.extend(r.name for r in working if r.name not in routed)
            continue
        status, reason = _why_not(seeing, kind, region)
        return ctx.scope_result(status, account, region, reason)
    targets = sorted({t["Arn"] for r in candidates if r.name in routed for t in r.data["Targets"]})
    reason = f"rule {', '.join(routed)} routes {kind.name} to {', '.join(targets)}"
    return ctx.scope_result(Status.PASS, account, region, reason, rules=routed, targets=targets)


def _enabled(rule: Resource) -> bool:
    return str(rule.data.get("State", "")).startswith("ENABLED")


def _why_not(seeing: list[Resource], kind: EventKind, region: str) -> tuple[Status, str]:
    for rule in seeing:
        if rule.data.get("Targets") is None and _enabled(rule):
            error = rule.data.get("_errors", {}).get("Targets", "not collected")
            return Status.NOT_ASSESSED, f"targets of rule {rule.name} unknown: {error}"
    if seeing:
        rule = seeing[0]
        if not _enabled(rule):
            return (
                Status.FAIL,
                f"rule {rule.name} matches {kind.name} but is {rule.data.get('State')}",
            )
        return Status.FAIL, f"rule {rule.name} matches {kind.name} but has no target"
    return Status.FAIL, f"no enabled rule on the default event bus matches {kind.name} in {region}"
