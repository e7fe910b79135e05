"""One action (or notify) step: resolve, check scope, plan, journal, apply, retry, wait.

The order of journal writes is the runner's crash-safety contract: ``intent`` (with the
plan and its before-state) is committed before :meth:`Action.apply` makes any mutating
call, ``done`` (with what AWS reports afterwards) right after. A step found with an
intent and no result is re-planned by :func:`_recover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cloudwarden.aws.errors import FailureKind
from cloudwarden.aws.session import AwsContext
from cloudwarden.registry import RegistryError
from cloudwarden.respond.actions import Action, ActionError, ActionPlan, ActionResult, get_action
from cloudwarden.respond.config import Mode
from cloudwarden.respond.journal import JournalEntry
from cloudwarden.respond.playbook import PlaybookStep
from cloudwarden.respond.serial import plan_from_dict
from cloudwarden.respond.template import TemplateError, evaluate, render

if TYPE_CHECKING:
    from cloudwarden.respond.runner import Runner, _Walk

__all__ = ["PERMANENT", "NotApplicableError", "recovered_result", "run_action_step"]

PERMANENT = frozenset(
    {
        FailureKind.ACCESS_DENIED,
        FailureKind.NOT_FOUND,
        FailureKind.BAD_CREDENTIALS,
        FailureKind.CONFIG,
        FailureKind.UNSUPPORTED,
    }
)
"""Failures that another attempt would meet again: not retried, straight to ``catch``."""


class NotApplicableError(Exception):
    """The resource a step acts on does not exist, and the run has changed nothing yet."""


def _untouched(walk: _Walk) -> bool:
    """Nothing of the run has been (or may have been) applied."""
    applied = ("intent", "done", "recovered")
    return not walk.changed and not any(e.kind in applied for e in walk.entries)


def _view(plan: ActionPlan, result: ActionResult | None) -> dict[str, Any]:
    before = dict(plan.before)
    after = dict(result.after) if result is not None else before
    outputs = dict(result.outputs) if result is not None else {}
    return {"before": before, "after": after, "outputs": outputs}


def run_action_step(runner: Runner, walk: _Walk, step: PlaybookStep) -> str | None:
    last = walk.last(step.id)
    if last is not None and last.kind == "intent":
        return _recover(runner, walk, step, last)
    try:
        params = render(step.params, walk.context)
        action = get_action(step.action)
        if step.type == "notify" and not params.get("sinks"):
            runner._log(walk, step, "skipped", "no notification sinks configured (notify:)")
            return walk.playbook.after(step)
        params = action.checked_params(params)
    except (TemplateError, ActionError, RegistryError) as exc:
        return runner._fail(walk, step, str(exc))
    aws = _in_scope(runner, walk, step, action, params)
    if aws is None:
        return walk.playbook.after(step)
    return _attempts(runner, walk, step, action, aws, params)


def _in_scope(
    runner: Runner, walk: _Walk, step: PlaybookStep, action: Action, params: Mapping[str, Any]
) -> AwsContext | None:
    """The AWS context to act through, or None after journaling why the step is refused.

    The step acts in the region its ``region`` parameter names, else the playbook's
    ``region`` input, else the trigger's. A lookup changes nothing: only its account is
    held to the scope (it searches the regions it is given).
    """
    account = str(walk.info.context.get("account") or "")
    region = str(
        params.get("region")
        or walk.context["inputs"].get("region")
        or walk.info.context.get("region")
        or ""
    )
    scope = runner.config.scope
    refusal = scope.account_refusal(account) if action.read_only else scope.refusal(account, region)
    if refusal is None:
        aws = runner.aws_for(region)
        if aws.account_id and account and aws.account_id != account:
            refusal = f"the credentials reach account {aws.account_id}, not {account}"
        else:
            return aws
    runner._log(walk, step, "refused", refusal)
    return None


def _attempts(
    runner: Runner,
    walk: _Walk,
    step: PlaybookStep,
    action: Action,
    aws: AwsContext,
    params: Mapping[str, Any],
) -> str | None:
    attempt = polls = 0
    while True:
        attempt += 1
        try:
            outcome = _once(runner, walk, step, action, aws, params, attempt)
        except NotApplicableError as exc:
            runner.settle(walk, step, "not-applicable", str(exc))
            return None
        except ActionError as exc:
            if attempt < step.retry.max_attempts and exc.kind not in PERMANENT:
                delay = step.retry.delay(attempt)
                message = f"attempt {attempt} failed: {exc}; next in {delay:g}s"
                runner._log(walk, step, "retry", message, attempt=attempt)
                runner.sleep(delay)
                continue
            return runner._fail(walk, step, f"{exc} (attempt {attempt})", attempt)
        if outcome is None:
            return walk.playbook.after(step)
        kind, data, message = outcome
        walk.context["steps"][step.id] = {"status": kind, **data["view"]}
        walk.context["steps"][step.id]["result"] = {
            **data["view"]["before"],
            **data["view"]["after"],
            **data["view"]["outputs"],
        }
        holds = step.until is None or kind == "planned" or evaluate(step.until, walk.context)
        if holds:
            if kind != "done":  # done is journaled before anything else can happen
                runner._log(walk, step, kind, message, _entry_data(data), attempt)
            return walk.playbook.after(step)
        polls += 1
        if polls >= step.poll.max_attempts:
            return runner._fail(walk, step, f"'until' still false after {polls} check(s)", attempt)
        delay = step.poll.delay(polls)
        runner._log(
            walk, step, "waiting", f"{message}; check again in {delay:g}s", _entry_data(data), polls
        )
        runner.sleep(delay)
        attempt = 0


def _entry_data(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "view"}


def _once(
    runner: Runner,
    walk: _Walk,
    step: PlaybookStep,
    action: Action,
    aws: AwsContext,
    params: Mapping[str, Any],
    attempt: int,
) -> tuple[str, dict[str, Any], str] | None:
    """Plan and (unless dry run or nothing to do) apply once; None when refused."""
    try:
        plan = action.plan(aws, params)
    except ActionError as exc:
        if exc.kind is FailureKind.NOT_FOUND and not action.read_only and _untouched(walk):
            where = f"account {walk.info.context.get('account') or '?'}, {aws.default_region}"
            raise NotApplicableError(f"{exc} ({where}); nothing was changed") from None
        raise
    data: dict[str, Any] = {"params": dict(params), "plan": plan.as_dict()}
    if plan.exempt:
        runner._log(walk, step, "refused", plan.exempt, data, attempt)
        return None
    if plan.noop:
        data["view"] = _view(plan, None)
        return "noop", data, f"no change needed: {plan.summary}"
    if walk.mode is Mode.DRY_RUN:
        data["view"] = _view(plan, None)
        calls = "; ".join(c.describe() for c in plan.mutating_calls) or "no calls"
        return "planned", data, f"would {plan.summary}: {calls}"
    runner._log(walk, step, "intent", plan.summary, data, attempt)
    runner.pause("after-intent", step.id)
    result = action.apply(aws, plan)
    runner.pause("after-call", step.id)
    data["result"] = result.as_dict()
    runner._log(walk, step, "done", plan.summary, {**data}, attempt)
    walk.changed += 1
    runner.pause("after-result", step.id)
    data["view"] = _view(plan, result)
    return "done", data, plan.summary


def _recover(runner: Runner, walk: _Walk, step: PlaybookStep, intent: JournalEntry) -> str | None:
    """An intent without a result: the runner stopped during or right after the calls.

    The read-only plan decides. Change in place: the step is recorded ``recovered``, with
    a result rebuilt from the intent's before-state (so it can still be rolled back).
    Not in place: the step is applied now, with the parameters the intent recorded.
    """
    params = dict(intent.data.get("params") or {})
    try:
        action = get_action(step.action)
        aws = _in_scope(runner, walk, step, action, params)
        if aws is None:
            return walk.playbook.after(step)
        plan = action.plan(aws, params)
    except (ActionError, RegistryError) as exc:
        return runner._fail(walk, step, f"recovery: {exc}", intent.attempt)
    if not plan.noop or plan.exempt:
        return _attempts(runner, walk, step, action, aws, params)
    planned = plan_from_dict(intent.data["plan"])
    result = recovered_result(action, planned, plan)
    data = {"params": params, "plan": intent.data["plan"], "result": result.as_dict()}
    message = f"found done on restart (the runner stopped after the call): {planned.summary}"
    runner._log(walk, step, "recovered", message, data, intent.attempt)
    walk.context["steps"][step.id] = {
        "status": "recovered",
        **_view(planned, result),
        "result": {**planned.before, **result.after},
    }
    return walk.playbook.after(step)


def recovered_result(action: Action, planned: ActionPlan, now: ActionPlan) -> ActionResult:
    """The result of calls that were made but not recorded: the intent's plan and
    before-state, and the state a fresh plan reads now."""
    undo = action.undo_for(planned, []) if action.reversible else None
    return ActionResult(
        planned.action, planned.target, planned.calls, planned.before, now.before, undo
    )
