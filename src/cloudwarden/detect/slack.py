"""Slack messages for alerts: a ``text`` fallback and Block Kit ``blocks``.

Text in ``mrkdwn`` fields is escaped as Slack's formatting reference asks (``&``, ``<``,
``>``), since alert titles and runbooks are rule authors' free text; sizes stay within Block
Kit's limits (a header's text 150 characters, a section's 3000).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["slack_message"]

AlertDict = Mapping[str, Any]


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as its formatting reference asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _where(alert: AlertDict) -> str:
    account = str(alert.get("account") or "-")
    region = str(alert.get("region") or "-")
    return f"{account} / {region}"


def _runbook_text(runbook: str) -> str:
    text = runbook.strip()
    if text.startswith(("https://", "http://")) and " " not in text:
        return f"<{text}|Runbook>"
    if len(text) > 2800:
        text = text[:2800] + "…"
    return "*Runbook*\n" + _slack_escape(text)


def slack_message(alert: AlertDict) -> dict[str, Any]:
    """A Slack message (``text`` fallback plus Block Kit ``blocks``) for one alert."""
    severity = str(alert.get("severity", "")).upper() or "ALERT"
    title = str(alert.get("title") or alert.get("rule_id") or "cloudwarden alert")
    rule = str(alert.get("rule_id", ""))
    when = str(alert.get("first_time") or alert.get("event_time") or "")
    fields = [
        {"type": "mrkdwn", "text": f"*Severity*\n{_slack_escape(severity.lower())}"},
        {"type": "mrkdwn", "text": f"*Account / region*\n{_slack_escape(_where(alert))}"},
        {"type": "mrkdwn", "text": f"*Rule*\n`{_slack_escape(rule)}`"},
        {"type": "mrkdwn", "text": f"*First event*\n{_slack_escape(when or '-')}"},
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"[{severity}] {title}"[:150]}},
        {"type": "section", "fields": fields},
    ]
    runbook = str(alert.get("runbook") or "")
    if runbook.strip():
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _runbook_text(runbook)}}
        )
    context = [f"alert {alert.get('alert_id', '-')}", f"{alert.get('count', 1)} event(s)"]
    if alert.get("playbook"):
        context.append(f"playbook {alert['playbook']}")
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _slack_escape(" · ".join(context))}],
        }
    )
    text = f"[{severity}] {title} — {_where(alert)} ({rule})"
    return {"text": text, "blocks": blocks}
