"""Tell people: send a message through the detection sinks (SNS, Slack, webhook, ...).

The message travels as an alert dict, so every sink that carries detection alerts
carries it too, and delivery goes through the detection :class:`Router`: retries
with backoff, and a spool for a sink that is down, so no notification is lost.
Sinks are given as the same specs as ``cloudwarden detect --sink``.

A plan's calls are the deliveries, one per sink. Only SNS and EventBridge are AWS
calls; the others (webhook, Slack, file, stdout, store) appear under their sink
kind with the sink's redacted name, never a webhook URL, which is often a secret.
A message cannot be unsent: the action is irreversible.

A webhook or Slack URL is a credential and a plan's parameters are journaled, so
give it as an environment variable (``slack:$SLACK_WEBHOOK_URL``): the variable is
expanded only when the sinks are built, and the journal keeps its name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.delivery import Router
from cloudwarden.detect.sinks import EventBridgeSink, Sink, SnsSink, parse_sink, sns_subject
from cloudwarden.model import Severity
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
)

RULE_ID = "cloudwarden.respond"


def _arn_region(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[3] if arn.startswith("arn:") and len(parts) > 3 and parts[3] else default


@action
class SendNotificationAction(Action):
    """Send one message to every sink given, with the detection pipeline's delivery."""

    name = "notify.send"
    description = "Send a message to alert sinks (SNS, EventBridge, Slack, webhook, file)"
    phase = Phase.NOTIFICATION
    reversible = False
    permissions = ("sns:Publish", "events:PutEvents")
    params = (
        ParamSpec("sinks", list, required=True, help="sink specs, as for detect --sink"),
        ParamSpec("message", str, required=True, help="the message text"),
        ParamSpec("severity", str, help="critical, high, medium (default), low, informational"),
        ParamSpec("title", str, help="one-line title (default: the message's first line)"),
        ParamSpec("playbook", str, help="the playbook sending it"),
        ParamSpec("alert_id", str, help="set by plan: the message's id, for deduplication"),
        ParamSpec("time", str, help="set by plan: when the message was composed"),
    )
    attempts = 3
    backoff = 1.0

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        severity = str(p.get("severity") or Severity.MEDIUM.value).lower()
        if severity not in {s.value for s in Severity}:
            raise ActionError(f"{self.name}: unknown severity {severity!r}")
        p["severity"] = severity
        p.setdefault("time", dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
        p.setdefault("alert_id", _message_id(p))
        sinks = _sinks(p, aws)
        alert = _alert(p, aws)
        calls = tuple(_delivery(sink, alert, aws.default_region) for sink in sinks)
        target = Target(aws.account_id, aws.default_region, ",".join(s.name for s in sinks))
        summary = f"send [{severity.upper()}] {alert['title']!r} to {len(sinks)} sink(s)"
        return ActionPlan(self.name, target, p, calls, {}, False, summary)

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        self._check_plan(plan)
        sinks = _sinks(plan.params, aws)
        router = Router(sinks, attempts=self.attempts, backoff=self.backoff)
        reports = router.deliver([_alert(plan.params, aws)])
        after = {
            "deliveries": [
                {"sink": r.sink, "sent": r.sent, "spooled": r.spooled, "error": r.error}
                for r in reports
            ]
        }
        outputs = {
            "delivered": sum(r.sent for r in reports),
            "spooled": sum(r.spooled for r in reports),
        }
        return ActionResult(plan.action, plan.target, plan.calls, {}, after, None, outputs)

    def irreversible_reason(self) -> str:
        return "a message that was sent cannot be unsent"


def _sinks(params: Mapping[str, Any], aws: AwsContext) -> list[Sink]:
    specs = params["sinks"]
    if not specs:
        raise ActionError("notify.send: no sinks given")
    sinks: list[Sink] = []
    for spec in specs:
        try:
            sinks.append(parse_sink(os.path.expandvars(str(spec)), aws))
        except ValueError as exc:
            raise ActionError(f"notify.send: {exc}") from None
    return sinks


def _message_id(params: Mapping[str, Any]) -> str:
    text = f"{params['time']}\n{params.get('playbook', '')}\n{params['message']}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _alert(params: Mapping[str, Any], aws: AwsContext) -> dict[str, Any]:
    message = str(params["message"])
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    title = str(params.get("title") or first_line)
    return {
        "alert_id": params["alert_id"],
        "rule_id": RULE_ID,
        "title": title or "cloudwarden notification",
        "description": message,
        "severity": params["severity"],
        "event_time": params["time"],
        "first_time": params["time"],
        "last_time": params["time"],
        "account": aws.account_id,
        "region": aws.default_region,
        "count": 1,
        "playbook": params.get("playbook", ""),
        "rule_origin": "respond",
    }


def _delivery(sink: Sink, alert: Mapping[str, Any], region: str) -> ApiCall:
    if isinstance(sink, SnsSink):
        params = {"TopicArn": sink.topic_arn, "Subject": sns_subject(alert)}
        return ApiCall("sns", "Publish", params, _arn_region(sink.topic_arn, region), True)
    if isinstance(sink, EventBridgeSink):
        params = {"EventBusName": sink.bus}
        return ApiCall("events", "PutEvents", params, _arn_region(sink.bus, region), True)
    kind = sink.name.partition(":")[0]
    return ApiCall(kind, "Send", {"sink": sink.name}, "", True)
