"""``respond rollback RUN``: undo a run's changes, newest first, journaled like the run.

Only steps that changed something (``done``, or ``recovered`` after a crash) are undone,
each by its action's :meth:`~cloudwarden.respond.actions.Action.rollback` from the result
the journal holds. One-way steps (a deleted key, a sent message) are recorded as
``rollback-refused`` and left for a human; a step already rolled back is not touched
again, so a rollback that was itself interrupted can simply be run again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cloudwarden.registry import RegistryError
from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.journal import Journal, JournalEntry, RunInfo
from cloudwarden.respond.serial import plan_from_dict, result_from_dict
from cloudwarden.respond.steps import recovered_result

if TYPE_CHECKING:
    from cloudwarden.respond.runner import Runner, RunOutcome

__all__ = ["rollback_run"]

_CHANGED = ("done", "recovered")


def _targets(entries: list[JournalEntry]) -> list[JournalEntry]:
    undone = {e.step for e in entries if e.kind in ("rolled-back", "rollback-refused")}
    changed = [e for e in entries if e.kind in _CHANGED and e.step not in undone]
    return list(reversed(changed))


def _note(
    journal: Journal,
    run_id: str,
    kind: str,
    about: JournalEntry,
    message: str,
    data: Mapping[str, Any] | None = None,
) -> None:
    journal.append(
        run_id,
        kind,
        step=about.step,
        action=about.action,
        phase=about.phase,
        message=message,
        data=data,
    )


def _settle_intents(
    runner: Runner, info: RunInfo, entries: list[JournalEntry], region: str
) -> None:
    """Intents with no outcome (the runner was killed mid-step) are settled first: a
    fresh plan says whether the change happened (``recovered``, then undone) or not."""
    settled = {e.step for e in entries if e.kind in (*_CHANGED, "failed", "retry", "refused")}
    for intent in [e for e in entries if e.kind == "intent" and e.step not in settled]:
        try:
            action = get_action(intent.action)
            where = plan_from_dict(intent.data["plan"]).target.region or region
            now = action.plan(runner.aws_for(where), dict(intent.data.get("params") or {}))
        except (ActionError, RegistryError) as exc:
            _note(runner.journal, info.run_id, "failed", intent, f"recovery: {exc}")
            continue
        if not now.noop:
            message = "not applied before the runner stopped; nothing to undo"
            _note(runner.journal, info.run_id, "skipped", intent, message)
            continue
        result = recovered_result(action, plan_from_dict(intent.data["plan"]), now)
        message = "found done on restart (the runner stopped after the call)"
        data = {"plan": intent.data["plan"], "result": result.as_dict()}
        _note(runner.journal, info.run_id, "recovered", intent, message, data)


def rollback_run(runner: Runner, info: RunInfo) -> RunOutcome:
    from cloudwarden.respond.runner import RunOutcome

    journal = runner.journal
    run_id = info.run_id
    entries = journal.entries(run_id)
    journal.append(run_id, "rollback-started", message=f"rolling back run {run_id}")
    region = str(info.context.get("region") or "")
    _settle_intents(runner, info, entries, region)
    entries = journal.entries(run_id)
    problems = 0
    undone = 0
    for entry in _targets(entries):
        try:
            action = get_action(entry.action)
        except RegistryError as exc:
            _note(journal, run_id, "rollback-failed", entry, str(exc))
            problems += 1
            continue
        result = result_from_dict(entry.data["result"])
        if not action.reversible or (result.calls and result.undo is None):
            reason = f"one-way: {action.irreversible_reason()}; left for a human"
            _note(journal, run_id, "rollback-refused", entry, reason)
            continue
        _note(journal, run_id, "rollback-intent", entry, f"undo {entry.action}")
        try:
            # where the step acted: a playbook's region input may differ from the trigger's
            undo = action.rollback(runner.aws_for(result.target.region or region), result)
        except ActionError as exc:
            _note(journal, run_id, "rollback-failed", entry, str(exc))
            problems += 1
            continue
        message = f"restored the state before {entry.action}"
        _note(journal, run_id, "rolled-back", entry, message, {"result": undo.as_dict()})
        undone += 1
    status = "rollback-failed" if problems else "rolled-back"
    message = f"run {run_id}: {undone} step(s) rolled back" + (
        f", {problems} failed" if problems else ""
    )
    journal.append(run_id, "rollback-finished", message=message, data={"status": status})
    return RunOutcome(run_id, status, message, tuple(journal.entries(run_id)))
