"""The playbook runner: plans, applies, journals, resumes and rolls back one incident's run.

Every step's outcome is journaled (:mod:`cloudwarden.respond.journal`), and a run is
replayed from its journal whenever it continues — after an approval, or after the
runner was killed. Replaying walks the playbook from the top: a step with a recorded
outcome is not run again (its recorded result feeds the templates of later steps), a
step with an ``intent`` and no result is re-planned (the read-only plan tells whether
the change already happened: ``recovered``; or not: applied now), and the first step
without an entry is where new work starts. Jumps only go forward, so the walk is the
same every time.

Safety properties, and where they come from:

* **dry run by default** — :class:`~cloudwarden.respond.config.RespondConfig`;
* **idempotent** — each action plans against live state and records ``noop`` when the
  change is in place; a second run for an incident already handled says so and changes
  nothing;
* **scoped** — out-of-scope accounts/regions and exempt resources are ``refused``;
* **crash-safe** — ``intent`` before, ``done`` after every mutating call;
* **no containment without its subject** — a run ends ``needs-input`` (a required input
  has no value: the alert never says which instance, key or group) or ``not-applicable``
  (the resource it names does not exist in the account and region the run acts in) before
  its first change, and neither is a failure: a failure is a containment that was tried
  and did not work. ``not-applicable`` is kept apart from ``needs-input`` because the alert
  did name its subject — a replayed or stale alert, a resource already deleted, or the
  wrong account — so a person looks at the alert, not at the playbook's inputs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.config import Mode, RespondConfig
from cloudwarden.respond.inputs import input_templates, optional_inputs
from cloudwarden.respond.journal import Journal, JournalEntry, RunInfo, new_run_id, run_status
from cloudwarden.respond.playbook import Playbook, PlaybookStep, is_lookup, parse_playbook
from cloudwarden.respond.record import post_incident_record, record_markdown
from cloudwarden.respond.template import evaluate, render
from cloudwarden.respond.trigger import Trigger
from cloudwarden.store import Store

__all__ = ["PAUSE_ENV", "SETTLED", "RunOutcome", "Runner", "RunnerError"]

PAUSE_ENV = "CLOUDWARDEN_RESPOND_TEST_PAUSE"
"""Test seam: ``after-intent:STEP`` (before the calls), ``after-call:STEP`` (calls made,
result not yet journaled) or ``after-result:STEP`` makes the runner print a marker and
sleep there, so a test can kill it at that exact point."""

_SUCCESS = frozenset({"done", "noop", "recovered", "planned"})
_FINAL = frozenset({*_SUCCESS, "refused", "skipped", "failed", "choice", "manual", "record"})
_FINAL |= {"approved"}
SETTLED = ("needs-input", "not-applicable")
"""Run outcomes that are neither done nor failed: nothing was tried (see the module doc)."""


class RunnerError(Exception):
    """A run that cannot start or continue (one line)."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    status: str
    message: str
    entries: tuple[JournalEntry, ...] = ()


def _test_pause(point: str, step: str) -> None:
    wanted = os.environ.get(PAUSE_ENV, "")
    if wanted and wanted == f"{point}:{step}":
        print(f"cloudwarden-test: paused {point}:{step}", file=sys.stderr, flush=True)
        time.sleep(600)


@dataclass
class _Walk:
    """One pass over a playbook for one run: the journal so far and the template context."""

    info: RunInfo
    playbook: Playbook
    mode: Mode
    approve: bool
    entries: list[JournalEntry]
    context: dict[str, Any] = field(default_factory=dict)
    failed: bool = False
    paused: bool = False
    changed: int = 0
    checked: bool = False  # the required inputs, before the first step that is not a lookup
    settled: str = ""  # needs-input / not-applicable: the run ends here
    settled_message: str = ""

    def last(self, step: str) -> JournalEntry | None:
        found = [e for e in self.entries if e.step == step and e.kind != "record"]
        return found[-1] if found else None


class Runner:
    """Runs playbooks against AWS through ``aws_for(region)``, journaling into ``store``."""

    def __init__(
        self,
        store: Store,
        aws_for: Callable[[str], AwsContext],
        config: RespondConfig | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        pause: Callable[[str, str], None] = _test_pause,
    ) -> None:
        self.journal = Journal(store)
        self.aws_for = aws_for
        self.config = config or RespondConfig()
        self.sleep = sleep
        self.pause = pause

    # -- entry points ---------------------------------------------------------------
    def start(
        self,
        playbook: Playbook,
        trigger: Trigger,
        mode: Mode | None = None,
        *,
        approve: bool = False,
        force: bool = False,
    ) -> RunOutcome:
        """Run ``playbook`` for ``trigger``; an earlier unfinished run of the same incident
        is resumed, and a finished one means there is nothing to do (unless ``force``)."""
        chosen = Mode(mode or self.config.mode)
        if chosen is not Mode.DRY_RUN and not force:
            earlier = self._earlier(playbook.id, trigger.key)
            if earlier is not None:
                status = run_status(self.journal.entries(earlier.run_id))
                if status in ("done",):
                    return RunOutcome(
                        earlier.run_id,
                        status,
                        f"{trigger.key} was already handled by run {earlier.run_id} "
                        f"({status}); nothing changed",
                    )
                if status in ("interrupted", "awaiting-approval"):
                    return self.resume(earlier.run_id, approve=approve)
        info = RunInfo(
            run_id=new_run_id(),
            playbook=playbook.id,
            incident_key=trigger.key,
            trigger_kind=trigger.kind,
            trigger_id=trigger.id,
            mode=chosen.value,
            started_at=datetime.now(UTC),
            context={**trigger.context(), "playbook_doc": dict(playbook.document)},
        )
        self.journal.start_run(info, f"{playbook.id} for {trigger.key} in {chosen.value} mode")
        return self._continue(info, playbook, approve)

    def resume(self, run_id: str, *, approve: bool = False) -> RunOutcome:
        """Continue a run that stopped for approval or was killed."""
        info = self._info(run_id)
        status = run_status(self.journal.entries(run_id))
        if status not in ("interrupted", "awaiting-approval"):
            raise RunnerError(f"run {run_id} has finished ({status}); nothing to resume")
        self.journal.append(run_id, "run-resumed", message="approved" if approve else "resumed")
        return self._continue(info, self._playbook(info), approve)

    def rollback(self, run_id: str) -> RunOutcome:
        """Undo the run's done steps in reverse order where AWS allows it."""
        from cloudwarden.respond.rollback import rollback_run

        info = self._info(run_id)
        return rollback_run(self, info)

    # -- plumbing ---------------------------------------------------------------------
    def _info(self, run_id: str) -> RunInfo:
        info = self.journal.run(run_id)
        if info is None:
            raise RunnerError(f"no response run {run_id!r} in the store")
        return info

    def _playbook(self, info: RunInfo) -> Playbook:
        doc = info.context.get("playbook_doc")
        return parse_playbook(doc, f"run {info.run_id}")

    def _earlier(self, playbook: str, key: str) -> RunInfo | None:
        runs = [r for r in self.journal.runs(key, playbook) if r.mode != Mode.DRY_RUN.value]
        return runs[-1] if runs else None

    def _continue(self, info: RunInfo, playbook: Playbook, approve: bool) -> RunOutcome:
        walk = _Walk(info, playbook, Mode(info.mode), approve, self.journal.entries(info.run_id))
        walk.context = self._base_context(info)
        step_id: str | None = playbook.steps[0].id
        while step_id is not None and not walk.paused and not walk.settled:
            step = playbook.step(step_id)
            if not walk.checked and not is_lookup(step):
                walk.checked = True
                if walk.last(step.id) is None and self._needs_input(walk):
                    break
            step_id = self._step(walk, step)
            walk.entries = self.journal.entries(info.run_id)
            self._resolve_inputs(walk.context)
        return self._finish(walk)

    def _base_context(self, info: RunInfo) -> dict[str, Any]:
        ctx = info.context
        started = info.started_at.replace(tzinfo=UTC).isoformat()
        base: dict[str, Any] = {
            "alert": ctx.get("alert") or {},
            "finding": ctx.get("finding") or {},
            "incident": ctx.get("incident") or {},
            "run": {
                "id": info.run_id,
                "mode": info.mode,
                "playbook": info.playbook,
                "incident": info.incident_key,
                "started_at": started,
            },
            "config": {
                "notify": list(self.config.notify),
                "regions": sorted(self.config.scope.regions),
            },
            "steps": {},
            "inputs": {},
        }
        doc = ctx.get("playbook_doc") or {}
        base["_inputs"] = input_templates(doc.get("inputs") or {})
        base["_optional"] = optional_inputs(doc.get("inputs") or {})
        self._resolve_inputs(base)
        return base

    @staticmethod
    def _resolve_inputs(context: dict[str, Any]) -> None:
        """(Re)compute the inputs: once at the start, again after each step, so an input
        that takes a lookup step's answer has it as soon as the lookup ran."""
        context["inputs"] = {}
        for key, value in context["_inputs"].items():  # in order: may use the ones above
            context["inputs"][key] = render(value, context, strict=False)

    def _needs_input(self, walk: _Walk) -> bool:
        """Journal ``needs-input`` and settle the run when a required input has no value."""
        values = walk.context["inputs"]
        optional = walk.context["_optional"]
        missing = [k for k, v in values.items() if k not in optional and v in (None, "", [])]
        if not missing:
            return False
        source = walk.info.trigger_kind
        why = [f"the {source} gives no value for {', '.join(missing)}"]
        for step in walk.playbook.steps:
            seen = walk.last(step.id)
            if not is_lookup(step) or seen is None or seen.kind != "noop":
                break
            why.append(f"{step.id}: {seen.message.removeprefix('no change needed: ')}")
        message = "; ".join(why)
        templates = {k: walk.context["_inputs"][k] for k in missing}
        data = {"missing": missing, "templates": templates}
        self.journal.append(walk.info.run_id, "needs-input", message=message, data=data)
        walk.settled, walk.settled_message = (
            "needs-input",
            f"needs input {', '.join(missing)}: {message}",
        )
        return True

    def settle(self, walk: _Walk, step: PlaybookStep, kind: str, message: str) -> None:
        """End the run with ``kind`` (one of :data:`SETTLED`) at ``step``."""
        self._log(walk, step, kind, message)
        walk.settled, walk.settled_message = kind, f"{kind} at {step.id}: {message}"

    def _finish(self, walk: _Walk) -> RunOutcome:
        run_id = walk.info.run_id
        if walk.paused:
            status = "awaiting-approval"
            message = f"run {run_id} waits for approval: cloudwarden respond approve {run_id}"
            self.journal.append(run_id, "paused", message=message, data={"status": status})
        else:
            status = "failed" if walk.failed else "dry-run" if walk.mode is Mode.DRY_RUN else "done"
            message = self._summary(walk, status)
            if walk.settled:
                status, message = walk.settled, walk.settled_message
            self.journal.append(run_id, "run-finished", message=message, data={"status": status})
        return RunOutcome(run_id, status, message, tuple(self.journal.entries(run_id)))

    def _summary(self, walk: _Walk, status: str) -> str:
        kinds = [e.kind for e in walk.entries]
        unchanged = not any(k in ("done", "recovered") for k in kinds)
        if status == "done" and unchanged and not any(k in ("failed", "refused") for k in kinds):
            return "nothing changed: every step was already in place"
        counts = {k: kinds.count(k) for k in ("done", "noop", "refused", "failed", "planned")}
        parts = [f"{n} {k}" for k, n in counts.items() if n]
        return f"run {walk.info.run_id} {status}: " + (", ".join(parts) or "no actions")

    # -- one step -----------------------------------------------------------------------
    def _step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        """Run (or replay) one step; return the id of the next one."""
        last = walk.last(step.id)
        if last is not None and last.kind in _FINAL:
            return self._replayed(walk, step, last)
        if step.when is not None and not evaluate(step.when, walk.context):
            self._log(walk, step, "skipped", "its 'when' condition does not hold")
            return walk.playbook.after(step)
        handler = {
            "action": self._action_step,
            "notify": self._action_step,
            "choice": self._choice_step,
            "approval": self._approval_step,
            "manual": self._manual_step,
            "record": self._record_step,
        }[step.type]
        return handler(walk, step)

    def _replayed(self, walk: _Walk, step: PlaybookStep, last: JournalEntry) -> str | None:
        if last.kind in _SUCCESS:
            walk.context["steps"][step.id] = _step_view(last)
        if last.kind == "choice":
            target = last.data.get("next")
            return str(target) if target else None
        if last.kind == "failed":
            walk.failed = step.catch is None
            return step.catch
        return walk.playbook.after(step)

    def _log(
        self,
        walk: _Walk,
        step: PlaybookStep,
        kind: str,
        message: str,
        data: Mapping[str, Any] | None = None,
        attempt: int = 0,
    ) -> None:
        self.journal.append(
            walk.info.run_id,
            kind,
            step=step.id,
            action=step.action,
            phase=step.phase,
            attempt=attempt,
            message=message,
            data=data,
        )

    def _fail(self, walk: _Walk, step: PlaybookStep, message: str, attempt: int = 0) -> str | None:
        self._log(walk, step, "failed", message, attempt=attempt)
        if step.catch is None:
            walk.failed = True
        return step.catch

    def _action_step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        from cloudwarden.respond.steps import run_action_step

        return run_action_step(self, walk, step)

    def _choice_step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        for i, rule in enumerate(step.choices):
            if evaluate(rule.when, walk.context):
                self._log(
                    walk, step, "choice", f"choice {i} holds: next {rule.next}", {"next": rule.next}
                )
                return None if rule.next == "end" else rule.next
        target = step.default or walk.playbook.after(step)
        self._log(walk, step, "choice", f"no choice holds: next {target}", {"next": target})
        return None if target == "end" else target

    def _approval_step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        text = str(render(step.text or step.label, walk.context, strict=False))
        if walk.mode is Mode.DRY_RUN:
            self._log(walk, step, "skipped", f"dry run: would wait for approval: {text}")
        elif walk.approve or walk.mode is Mode.AUTO:
            who = "the operator" if walk.approve else "mode auto"
            self._log(walk, step, "approved", f"approved by {who}: {text}")
        else:
            self._log(walk, step, "awaiting-approval", text)
            walk.paused = True
            return None
        return walk.playbook.after(step)

    def _manual_step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        self._log(walk, step, "manual", str(render(step.text, walk.context, strict=False)))
        return walk.playbook.after(step)

    def _record_step(self, walk: _Walk, step: PlaybookStep) -> str | None:
        entries = self.journal.entries(walk.info.run_id)
        record = post_incident_record(walk.info, entries, walk.playbook.follow_up)
        data = {"record": record, "markdown": record_markdown(record)}
        self._log(walk, step, "record", "post-incident record written", data)
        return walk.playbook.after(step)


def _step_view(entry: JournalEntry) -> dict[str, Any]:
    """What templates see of a finished step: ``steps.ID.result`` and friends."""
    result = entry.data.get("result") or {}
    plan = entry.data.get("plan") or {}
    before = result.get("before") or plan.get("before") or {}
    after = result.get("after") or before
    outputs = result.get("outputs") or {}
    return {
        "status": entry.kind,
        "before": before,
        "after": after,
        "outputs": outputs,
        "result": {**before, **after, **outputs},
    }
