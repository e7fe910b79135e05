"""Playbooks as code: YAML documents of steps, validated on load with located errors.

A playbook is a list of steps in the spirit of AWS Step Functions, each naming the
incident-response phase it serves (``contain``, ``eradicate``, ``recover``,
``post-incident``, as in AWS's incident-response playbooks and NIST SP 800-61):

``action``    one response action (:mod:`cloudwarden.respond.actions`) with parameters
              drawn from the incident by :mod:`cloudwarden.respond.template` references;
              optional ``retry`` (exponential backoff), ``catch`` (the step to go to when
              every attempt failed) and ``until`` (repeat a read-only action, as a wait).
``notify``    a message to the responder's sinks (the ``notify.send`` action).
``choice``    the first ``choices[].when`` that holds picks ``next``; else ``default``.
``approval``  a gate: in ``approve`` mode the run stops here until a human approves.
``manual``    work left for a human (``instructions``); listed in the post-incident record.
``record``    writes the post-incident record: what happened, what was done, what is left.

Steps run in order unless ``next`` names another step (or ``end``).

``inputs`` name what the playbook acts on, each a template (``name: "${…}"``) or a mapping
``{value: "${…}", optional: true, description: …}``. Every input is required unless it
says ``optional``: a run whose required input has no value for its incident ends
``needs-input`` before its first step that is not a lookup (a read-only action such as
``ec2.find_network_interface``), so before anything is changed or paged. An input may
take a value from such a lookup step at the top of the playbook
(``${steps.locate.result.instance_id}``). An input named ``region`` says where the run
acts when its trigger does not (a flow-log alert names no region). Every problem in a
file is reported, each as ``file:steps[2].retry.max_attempts: message`` (pySigma's way),
not just the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.respond.inputs import input_problems, input_templates, optional_inputs
from cloudwarden.respond.template import TemplateError, condition_problems, references

__all__ = [
    "PHASES",
    "STEP_TYPES",
    "ChoiceRule",
    "Playbook",
    "PlaybookError",
    "PlaybookProblem",
    "PlaybookStep",
    "RetryPolicy",
    "is_lookup",
    "parse_playbook",
]

PHASES = ("contain", "eradicate", "recover", "post-incident")
STEP_TYPES = ("action", "notify", "choice", "approval", "manual", "record")
END = "end"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PLAYBOOK_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_TOP_KEYS = frozenset(
    {"id", "title", "description", "references", "triggers", "inputs", "steps", "follow_up"}
)
_STEP_KEYS = {
    "action": {"action", "params", "retry", "catch", "until", "poll"},
    "notify": {"message", "sinks", "severity", "retry", "catch"},
    "choice": {"choices", "default"},
    "approval": {"message"},
    "manual": {"instructions"},
    "record": set(),
}
_COMMON_KEYS = {"id", "type", "phase", "title", "next", "when"}
_RETRY_KEYS = {"max_attempts", "interval", "backoff", "max_interval"}


@dataclass(frozen=True)
class PlaybookProblem:
    """One problem in a playbook file, at a path such as ``steps[2].retry.max_attempts``."""

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.location}" if self.location else self.source
        return f"{where}: {self.message}"


class PlaybookError(Exception):
    """A playbook that cannot be used; carries every problem found."""

    def __init__(self, problems: Iterable[PlaybookProblem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid playbook"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and exponential backoff: waits ``interval * backoff**n``, capped."""

    max_attempts: int = 1
    interval: float = 1.0
    backoff: float = 2.0
    max_interval: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_interval, self.interval * self.backoff ** (attempt - 1)))


@dataclass(frozen=True)
class ChoiceRule:
    when: Mapping[str, Any]
    next: str


@dataclass(frozen=True)
class PlaybookStep:
    id: str
    type: str
    phase: str
    title: str = ""
    action: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    retry: RetryPolicy = RetryPolicy()
    catch: str | None = None
    until: Mapping[str, Any] | None = None
    poll: RetryPolicy = RetryPolicy()
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None
    next: str | None = None
    when: Mapping[str, Any] | None = None
    text: str = ""  # approval message, manual instructions

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    description: str
    steps: tuple[PlaybookStep, ...]
    inputs: Mapping[str, Any] = field(default_factory=dict)  # name -> template
    triggers: Mapping[str, Any] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    follow_up: tuple[str, ...] = ()
    optional: frozenset[str] = frozenset()  # inputs a run may go without
    source: str = ""
    document: Mapping[str, Any] = field(default_factory=dict)  # as loaded, kept with each run

    def step(self, step_id: str) -> PlaybookStep:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def after(self, step: PlaybookStep) -> str | None:
        """The id of the step that follows ``step`` when it names no ``next``."""
        if step.next is not None:
            return None if step.next == END else step.next
        ids = [s.id for s in self.steps]
        i = ids.index(step.id)
        return ids[i + 1] if i + 1 < len(ids) else None


class _Checker:
    """Collects located problems while a document is turned into a Playbook."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[PlaybookProblem] = []

    def add(self, location: str, message: str) -> None:
        self.problems.append(PlaybookProblem(self.source, location, message))

    def text(self, data: Mapping[str, Any], key: str, loc: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.add(f"{loc}{key}", "is required")
            return ""
        if not isinstance(value, str):
            self.add(f"{loc}{key}", "must be a string")
            return ""
        return value

    def refs(self, value: Any, loc: str, steps: set[str]) -> None:
        try:
            for path in references(value):
                if path[0] == "steps" and (len(path) < 2 or path[1] not in steps):
                    name = path[1] if len(path) > 1 else ""
                    self.add(loc, f"${{steps.{name}...}} names no step of this playbook")
        except TemplateError as exc:
            self.add(loc, str(exc))

    def condition(self, cond: Any, loc: str, steps: set[str]) -> None:
        for rel, message in condition_problems(cond):
            self.add(f"{loc}{rel}", message)
        self.refs(cond, loc, steps)

    def retry(self, data: Any, loc: str) -> RetryPolicy:
        if data is None:
            return RetryPolicy()
        if not isinstance(data, Mapping):
            self.add(loc, "must be a mapping (max_attempts, interval, backoff, max_interval)")
            return RetryPolicy()
        for key in sorted(set(data) - _RETRY_KEYS):
            self.add(f"{loc}.{key}", "unknown key")
        attempts = data.get("max_attempts", 1)
        if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 50:
            self.add(f"{loc}.max_attempts", "must be an integer from 1 to 50")
            attempts = 1
        numbers: dict[str, float] = {}
        for key, default in (("interval", 1.0), ("backoff", 2.0), ("max_interval", 300.0)):
            value = data.get(key, default)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                self.add(f"{loc}.{key}", "must be a number >= 0")
                value = default
            numbers[key] = float(value)
        if numbers["backoff"] < 1:
            self.add(f"{loc}.backoff", "must be >= 1")
        return RetryPolicy(
            attempts, numbers["interval"], numbers["backoff"], numbers["max_interval"]
        )


def is_lookup(step: PlaybookStep) -> bool:
    """A read-only action step: it only finds things out, so it may run before the
    required inputs are checked and may feed them."""
    if step.type != "action":
        return False
    found, act = _known_action(step.action)
    return bool(found and act is not None and act.read_only)


def _known_action(name: str) -> tuple[bool, Any]:
    from cloudwarden.registry import RegistryError
    from cloudwarden.respond.actions import get_action

    try:
        return True, get_action(name)
    except RegistryError:
        return False, None


def _check_params(check: _Checker, action: Any, params: Mapping[str, Any], loc: str) -> None:
    """Names of the action's parameters; types are checked once the references resolve."""
    known = {p.name: p for p in action.params}
    for key in params:
        if key not in known:
            check.add(f"{loc}.params.{key}", f"{action.name} has no parameter {key!r}")
    for spec in action.params:
        if spec.required and spec.name not in params:
            check.add(f"{loc}.params", f"{action.name} needs parameter {spec.name!r}")
    for group in action.one_of:
        given = [g for g in group if g in params]
        if len(given) != 1:
            check.add(f"{loc}.params", f"{action.name}: give exactly one of {', '.join(group)}")


def _step(check: _Checker, raw: Any, i: int, ids: set[str]) -> PlaybookStep | None:
    loc = f"steps[{i}]"
    if not isinstance(raw, Mapping):
        check.add(loc, "a step is a mapping")
        return None
    kind = raw.get("type", "action" if "action" in raw else None)
    if kind not in STEP_TYPES:
        check.add(f"{loc}.type", f"must be one of {', '.join(STEP_TYPES)}")
        return None
    for key in sorted(set(raw) - _COMMON_KEYS - _STEP_KEYS[kind]):
        check.add(f"{loc}.{key}", f"unknown key for a {kind} step")
    step_id = check.text(raw, "id", f"{loc}.", required=True)
    phase = check.text(raw, "phase", f"{loc}.", required=True)
    if phase and phase not in PHASES:
        check.add(f"{loc}.phase", f"must be one of {', '.join(PHASES)}")
    for key in ("next", "catch", "default"):
        target = raw.get(key)
        if target is not None and (not isinstance(target, str) or target not in ids | {END}):
            check.add(f"{loc}.{key}", f"{target!r} names no step of this playbook")
    if raw.get("when") is not None:
        check.condition(raw["when"], f"{loc}.when", ids)
    action, params = _action_of(check, raw, kind, loc, ids)
    choices = _choices(check, raw, kind, loc, ids)
    if raw.get("until") is not None:
        check.condition(raw["until"], f"{loc}.until", ids)
    text = check.text(
        raw, {"approval": "message", "manual": "instructions"}.get(kind, "x"), loc + "."
    )
    if kind == "manual" and not text:
        check.add(f"{loc}.instructions", "a manual step says what the human should do")
    return PlaybookStep(
        id=step_id,
        type=kind,
        phase=phase,
        title=check.text(raw, "title", f"{loc}."),
        action=action,
        params=params,
        retry=check.retry(raw.get("retry"), f"{loc}.retry"),
        catch=raw.get("catch") if isinstance(raw.get("catch"), str) else None,
        until=raw.get("until"),
        poll=check.retry(raw.get("poll"), f"{loc}.poll"),
        choices=choices,
        default=raw.get("default") if isinstance(raw.get("default"), str) else None,
        next=raw.get("next") if isinstance(raw.get("next"), str) else None,
        when=raw.get("when"),
        text=text,
    )


def _action_of(
    check: _Checker, raw: Mapping[str, Any], kind: str, loc: str, ids: set[str]
) -> tuple[str, dict[str, Any]]:
    """The action name and parameters of an action or notify step (else empty)."""
    if kind not in ("action", "notify"):
        return "", {}
    params = _params(check, raw, kind, loc, ids)
    action = "notify.send" if kind == "notify" else check.text(raw, "action", f"{loc}.", True)
    found, act = _known_action(action) if action else (True, None)
    if not found:
        check.add(f"{loc}.action", f"unknown action {action!r}")
    elif act is not None:
        _check_params(check, act, params, loc)
    return action, params


def _params(
    check: _Checker, raw: Mapping[str, Any], kind: str, loc: str, ids: set[str]
) -> dict[str, Any]:
    if kind == "notify":
        params = {k: raw[k] for k in ("message", "sinks", "severity") if k in raw}
        if "message" not in params:
            check.add(f"{loc}.message", "is required")
        params.setdefault("sinks", "${config.notify}")
        params.setdefault("severity", "${alert.severity | finding.severity | 'high'}")
        params.setdefault("playbook", "${run.playbook}")
    else:
        given = raw.get("params", {})
        if not isinstance(given, Mapping):
            check.add(f"{loc}.params", "must be a mapping")
            return {}
        params = dict(given)
    for key, value in params.items():
        check.refs(value, f"{loc}.params.{key}", ids)
    return params


def _choices(
    check: _Checker, raw: Mapping[str, Any], kind: str, loc: str, ids: set[str]
) -> tuple[ChoiceRule, ...]:
    if kind != "choice":
        return ()
    rules = raw.get("choices")
    if not isinstance(rules, list) or not rules:
        check.add(f"{loc}.choices", "a choice step needs a non-empty list of choices")
        return ()
    out: list[ChoiceRule] = []
    for j, rule in enumerate(rules):
        rloc = f"{loc}.choices[{j}]"
        if not isinstance(rule, Mapping) or "when" not in rule or "next" not in rule:
            check.add(rloc, "each choice has 'when' and 'next'")
            continue
        check.condition(rule["when"], f"{rloc}.when", ids)
        if rule["next"] not in ids | {END}:
            check.add(f"{rloc}.next", f"{rule['next']!r} names no step of this playbook")
        out.append(ChoiceRule(rule["when"], str(rule["next"])))
    return tuple(out)


def parse_playbook(data: Any, source: str = "<playbook>") -> Playbook:
    """A validated Playbook from a parsed YAML document; PlaybookError lists every problem."""
    check = _Checker(source)
    if not isinstance(data, Mapping):
        check.add("", "a playbook is a mapping with id, title and steps")
        raise PlaybookError(check.problems)
    for key in sorted(set(data) - _TOP_KEYS):
        check.add(key, "unknown key")
    pb_id = check.text(data, "id", "", required=True)
    if pb_id and not _PLAYBOOK_ID.match(pb_id):
        check.add("id", "use lower-case letters, digits and hyphens")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        check.add("steps", "a playbook needs a non-empty list of steps")
        raise PlaybookError(check.problems)
    ids: set[str] = set()
    for i, raw in enumerate(raw_steps):
        sid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(sid, str):
            if sid in ids or sid == END:
                check.add(f"steps[{i}].id", f"duplicate or reserved step id {sid!r}")
            elif not _ID.match(sid):
                check.add(f"steps[{i}].id", "use lower-case letters, digits and underscores")
            ids.add(sid)
    steps = [s for i, raw in enumerate(raw_steps) if (s := _step(check, raw, i, ids))]
    inputs = data.get("inputs", {})
    if not isinstance(inputs, Mapping):
        check.add("inputs", "must be a mapping of name: template")
        inputs = {}
    _inputs(check, inputs, steps)
    if steps and steps[-1].type != "record" and not any(s.type == "record" for s in steps):
        check.add("steps", "a playbook ends with a 'record' step (the post-incident record)")
    follow_up = data.get("follow_up", [])
    if not isinstance(follow_up, list) or not all(isinstance(f, str) for f in follow_up):
        check.add("follow_up", "must be a list of strings")
        follow_up = []
    _forward_only(check, steps)
    if check.problems:
        raise PlaybookError(check.problems)
    return Playbook(
        id=pb_id,
        title=check.text(data, "title", "", required=False) or pb_id,
        description=check.text(data, "description", ""),
        steps=tuple(steps),
        inputs=input_templates(inputs),
        optional=optional_inputs(inputs),
        triggers=dict(data.get("triggers") or {}),
        references=tuple(str(r) for r in data.get("references") or ()),
        follow_up=tuple(follow_up),
        source=source,
        document=dict(data),
    )


def _inputs(check: _Checker, inputs: Mapping[str, Any], steps: list[PlaybookStep]) -> None:
    lookups: set[str] = set()
    for step in steps:  # the lookups the playbook opens with
        if not is_lookup(step):
            break
        lookups.add(step.id)
    for location, message in input_problems(inputs, lookups):
        check.add(location, message)


def _forward_only(check: _Checker, steps: list[PlaybookStep]) -> None:
    """Jumps go forward only: every run ends, and a resumed run replays its journal
    step by step without ambiguity (waits are ``until`` polls, not loops)."""
    order = {s.id: i for i, s in enumerate(steps)}
    for i, step in enumerate(steps):
        targets = [("next", step.next), ("catch", step.catch), ("default", step.default)]
        targets += [(f"choices[{j}].next", c.next) for j, c in enumerate(step.choices)]
        for key, target in targets:
            if target is not None and target != END and order.get(target, i + 1) <= i:
                check.add(f"steps[{i}].{key}", f"{target!r} is not a later step (no loops)")
