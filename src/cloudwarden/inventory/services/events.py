"""EventBridge rules of every event bus, with the event pattern parsed and the targets.

AWS services deliver their events (GuardDuty and Security Hub findings, CloudTrail
API calls) to the default bus of the region; rules on other buses are collected
too so the inventory is complete, and checks decide which bus counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

RULE = "AWS::Events::Rule"


@collector(
    service="events",
    resource_types=(RULE,),
    permissions=("events:ListEventBuses", "events:ListRules", "events:ListTargetsByRule"),
)
def collect_events(ctx: CollectContext) -> Iterator[Resource]:
    buses = ctx.paginate("events", "list_event_buses", "EventBuses")
    rules = [
        rule
        for bus in buses
        for rule in ctx.paginate("events", "list_rules", "Rules", EventBusName=bus["Name"])
    ]
    for rule in rules:
        yield _rule(ctx, rule)


def _rule(ctx: CollectContext, rule: dict[str, Any]) -> Resource:
    errors: dict[str, str] = {}
    data = {k: v for k, v in rule.items() if k != "ResponseMetadata"}
    data.setdefault("EventBusName", "default")
    if isinstance(data.get("EventPattern"), str):
        try:
            data["EventPattern"] = json.loads(data["EventPattern"])
        except ValueError:
            errors["EventPattern"] = "events:ListRules: EventPattern is not valid JSON"
    targets = _targets(ctx, rule["Name"], data["EventBusName"], errors)
    data["Targets"] = targets
    if errors:
        data["_errors"] = errors
    return ctx.resource(RULE, arn=rule["Arn"], id=rule["Name"], data=data)


def _targets(
    ctx: CollectContext, rule: str, bus: str, errors: dict[str, str]
) -> list[dict[str, Any]] | None:
    targets: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = ctx.detail(
            "events",
            "list_targets_by_rule",
            errors,
            "Targets",
            Rule=rule,
            EventBusName=bus,
            **token,
        )
        if page is None:
            return None
        targets.extend(page.get("Targets", []))
        if not page.get("NextToken"):
            return targets
        token = {"NextToken": page["NextToken"]}
