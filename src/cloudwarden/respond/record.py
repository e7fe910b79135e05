"""The post-incident record that ends every run: what happened, what was done, what is left.

AWS's incident-response playbooks close with a post-incident activity (timeline, actions,
open items for the review). The record is built from the journal alone, so it says what
the runner really did, not what the playbook meant to do; it is stored in the journal as
JSON and rendered as Markdown for a ticket or a review document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudwarden.model import Run, RunStep
from cloudwarden.respond.journal import JournalEntry, RunInfo, run_status

__all__ = ["OUTCOME_KINDS", "as_run", "post_incident_record", "record_markdown"]

OUTCOME_KINDS = frozenset(
    {"planned", "done", "noop", "recovered", "refused", "skipped", "failed", "manual"}
    | {"approved", "awaiting-approval", "rolled-back", "rollback-refused", "rollback-failed"}
    | {"needs-input", "not-applicable"}
)
_HAPPENED_KEYS = (
    "title",
    "rule_id",
    "severity",
    "account",
    "region",
    "first_time",
    "last_time",
    "description",
    "resource_arn",
    "status_reason",
)


def _happened(info: RunInfo) -> dict[str, Any]:
    ctx = info.context
    source = ctx.get("alert") or ctx.get("finding") or {}
    out: dict[str, Any] = {"trigger": f"{info.trigger_kind} {info.trigger_id}"}
    for key in _HAPPENED_KEYS:
        value = source.get(key) if isinstance(source, Mapping) else None
        if value not in (None, ""):
            out[key] = value
    return out


def _calls(entry: JournalEntry) -> list[str]:
    data = entry.data.get("result") or entry.data.get("plan") or {}
    calls = data.get("calls", []) if isinstance(data, Mapping) else []
    return [f"{c.get('service')}:{c.get('operation')}" for c in calls if isinstance(c, Mapping)]


def post_incident_record(
    info: RunInfo, entries: Sequence[JournalEntry], follow_up: Sequence[str] = ()
) -> dict[str, Any]:
    """The record of one run as JSON-ready data."""
    done: list[dict[str, Any]] = []
    left: list[str] = []
    for entry in entries:
        if entry.kind not in OUTCOME_KINDS:
            continue
        done.append(
            {
                "step": entry.step,
                "phase": entry.phase,
                "action": entry.action,
                "outcome": entry.kind,
                "message": entry.message,
                "calls": _calls(entry),
            }
        )
        if entry.kind == "manual":
            left.append(f"{entry.step}: {entry.message}")
        elif entry.kind in ("refused", "failed", "rollback-failed", "awaiting-approval"):
            left.append(f"{entry.step} ({entry.kind}): {entry.message}")
        elif entry.kind == "needs-input":
            missing = ", ".join(str(m) for m in entry.data.get("missing") or ())
            left.append(f"needs input ({missing}): {entry.message}; give it and run again")
        elif entry.kind == "not-applicable":
            left.append(f"{entry.step} (not-applicable): {entry.message}")
        elif entry.kind == "planned":
            left.append(f"{entry.step} (dry run, not applied): {entry.message}")
    left.extend(follow_up)
    return {
        "run_id": info.run_id,
        "playbook": info.playbook,
        "mode": info.mode,
        "what_happened": _happened(info),
        "what_was_done": done,
        "left_for_human": left,
    }


def record_markdown(record: Mapping[str, Any]) -> str:
    """The record as Markdown."""
    lines = [
        f"# Post-incident record — run {record['run_id']}",
        "",
        f"Playbook `{record['playbook']}`, mode `{record['mode']}`.",
        "",
        "## What happened",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in record["what_happened"].items()]
    lines += ["", "## What was done", ""]
    for item in record["what_was_done"]:
        calls = f" ({', '.join(item['calls'])})" if item["calls"] else ""
        phase = f"[{item['phase']}] " if item["phase"] else ""
        lines.append(f"- {phase}`{item['step']}` — {item['outcome']}: {item['message']}{calls}")
    if not record["what_was_done"]:
        lines.append("- nothing")
    lines += ["", "## Left for a human", ""]
    lines += [f"- [ ] {item}" for item in record["left_for_human"]] or ["- nothing"]
    return "\n".join(lines) + "\n"


def as_run(info: RunInfo, entries: Sequence[JournalEntry]) -> Run:
    """The run as the shared data model's :class:`~cloudwarden.model.Run`: one step per
    playbook step, with its last outcome, API calls, before-state and result."""
    last: dict[str, JournalEntry] = {}
    for entry in entries:
        if entry.step and entry.kind != "record":
            last[entry.step] = entry
    steps = []
    for step_id, entry in last.items():
        result = entry.data.get("result") or {}
        plan = entry.data.get("plan") or {}
        steps.append(
            RunStep(
                name=step_id,
                action=entry.action,
                phase=entry.phase,
                api_call=", ".join(_calls(entry)),
                before_state=dict(result.get("before") or plan.get("before") or {}),
                result=dict(result),
                status=entry.kind,
                reversible=result.get("undo") is not None,
            )
        )
    return Run(
        id=info.run_id,
        playbook=info.playbook,
        finding_id=info.trigger_id,
        mode=info.mode,
        started_at=info.started_at,
        steps=tuple(steps),
        status=run_status(list(entries)),
    )
