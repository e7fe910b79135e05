"""The shared shape of a response action: plan (read-only), apply, rollback.

An action is one small, named change to an AWS account that a playbook step can
ask for (``iam.deactivate_access_key``, ``kms.cancel_key_deletion``, ...). Every
action works in three moves so that a dry run, an approval and a journal are
possible:

* :meth:`Action.plan` makes read-only calls only. It reads the before-state,
  decides whether the change is already in place (``noop``: running a playbook
  twice must be harmless), checks the exemption tag, and lists the exact
  mutating calls that :meth:`Action.apply` would make.
* :meth:`Action.apply` makes exactly the planned calls and reads the after-state
  back from AWS.
* :meth:`Action.rollback` restores the before-state where AWS allows it and
  raises :class:`ActionError` where it does not (a deleted access key or login
  profile cannot come back).

Plans and results are journaled, so no secret may appear in them: values that
would be secret are replaced by :data:`REDACTED` before they are recorded.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from botocore import xform_name

from cloudwarden.aws.errors import AwsFailure, FailureKind, classify
from cloudwarden.aws.session import AwsContext
from cloudwarden.registry import Registry, load_builtin

EXEMPT_TAG = "cloudwarden:exempt"
"""Tag key that keeps a resource out of automated response (value ``true``)."""

REDACTED = "<redacted>"
"""Stands in for a secret value in anything that is journaled."""

READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Head")
"""Operation-name prefixes of AWS read-only calls; anything else may mutate."""


class Phase(StrEnum):
    """Where an action sits in the NIST / AWS incident-response lifecycle."""

    CHECK = "check"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    NOTIFICATION = "notification"


def is_read_only(operation: str) -> bool:
    """True for an AWS operation name (``GetUser``) that only reads."""
    return operation.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call, described before it is made.

    ``operation`` is the AWS operation name (``UpdateAccessKey``); ``params`` are
    the boto3 keyword arguments, with secrets already redacted.
    """

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str
    mutating: bool

    @property
    def method(self) -> str:
        """The boto3 client method name (``update_access_key``)."""
        return str(xform_name(self.operation))

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.service}:{self.operation}({args}) [{self.region}]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "params": jsonable(self.params),
            "region": self.region,
            "mutating": self.mutating,
        }


@dataclass(frozen=True)
class Target:
    """The resource an action changes, in the account the AwsContext is scoped to."""

    account: str
    region: str
    resource: str  # ARN or id

    def as_dict(self) -> dict[str, str]:
        return {"account": self.account, "region": self.region, "resource": self.resource}


@dataclass(frozen=True)
class ActionPlan:
    """What :meth:`Action.apply` would do, worked out with read-only calls."""

    action: str
    target: Target
    params: Mapping[str, Any]
    calls: tuple[ApiCall, ...]
    before: Mapping[str, Any]
    noop: bool
    summary: str
    exempt: str | None = None  # why the action is refused (exemption tag)

    @property
    def mutating_calls(self) -> tuple[ApiCall, ...]:
        return tuple(c for c in self.calls if c.mutating)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target.as_dict(),
            "params": jsonable(self.params),
            "calls": [c.as_dict() for c in self.calls],
            "before": jsonable(self.before),
            "noop": self.noop,
            "summary": self.summary,
            "exempt": self.exempt,
        }


@dataclass(frozen=True)
class ActionResult:
    """What an apply (or a rollback) did, with the state read back from AWS."""

    action: str
    target: Target
    calls: tuple[ApiCall, ...]
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    undo: Mapping[str, Any] | None  # what rollback needs; None: irreversible or nothing to undo
    outputs: Mapping[str, Any] = field(default_factory=dict)  # non-secret values later steps read

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target.as_dict(),
            "calls": [c.as_dict() for c in self.calls],
            "before": jsonable(self.before),
            "after": jsonable(self.after),
            "undo": jsonable(self.undo) if self.undo is not None else None,
            "outputs": jsonable(self.outputs),
        }


class ActionError(Exception):
    """An action could not be planned, applied or rolled back; one line, with its kind.

    ``kind`` is the classified AWS failure (:func:`cloudwarden.aws.errors.classify`)
    when an AWS call failed, and ``FailureKind.OTHER`` for refusals such as an
    exempt resource or an irreversible rollback.
    """

    def __init__(self, message: str, failure: AwsFailure | None = None) -> None:
        self.failure = failure
        self.kind: FailureKind = failure.kind if failure else FailureKind.OTHER
        super().__init__(message.splitlines()[0] if message else message)

    @classmethod
    def not_found(cls, message: str) -> ActionError:
        """The resource an action was given does not exist (kind ``NOT_FOUND``)."""
        return cls(message, AwsFailure(FailureKind.NOT_FOUND, "NotFound", message))

    @classmethod
    def from_exception(cls, exc: BaseException, context: str) -> ActionError:
        failure = classify(exc)
        return cls(f"{context}: {failure.line()}", failure)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter an action accepts, for playbook validation."""

    name: str
    type: type | tuple[type, ...]
    required: bool = False
    help: str = ""


class Action(ABC):
    """Base class of every response action; subclasses register with :func:`action`."""

    name: str = ""
    description: str = ""
    phase: Phase = Phase.CONTAINMENT
    reversible: bool = False
    read_only: bool = False  # a lookup: its plan reads, it never has a call to make
    permissions: tuple[str, ...] = ()  # IAM actions that plan, apply and rollback need
    params: tuple[ParamSpec, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of which exactly one must be given

    # --- the three moves -------------------------------------------------------

    @abstractmethod
    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        """Read the before-state and list the mutating calls; never mutate."""

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        """Make exactly ``plan.calls`` and read the after-state back."""
        self._check_plan(plan)
        if plan.noop or not plan.calls:
            return ActionResult(plan.action, plan.target, (), plan.before, plan.before, None)
        responses = [execute(aws, call) for call in plan.calls]
        after = jsonable(self.observe(aws, plan.target, plan.params))
        undo = jsonable(self.undo_for(plan, responses)) if self.reversible else None
        return ActionResult(plan.action, plan.target, plan.calls, plan.before, after, undo)

    def rollback(self, aws: AwsContext, result: ActionResult) -> ActionResult:
        """Restore ``result.before`` where AWS allows; raise ActionError where it does not."""
        if not result.calls:
            return ActionResult(self.name, result.target, (), result.after, result.after, None)
        if not self.reversible or result.undo is None:
            raise ActionError(f"{self.name} cannot be rolled back: {self.irreversible_reason()}")
        calls = self.rollback_calls(aws, result)
        for call in calls:
            execute(aws, call)
        params = result.undo.get("params", {})
        after = jsonable(
            self.observe(aws, result.target, params if isinstance(params, Mapping) else {})
        )
        return ActionResult(self.name, result.target, calls, result.after, after, None)

    # --- hooks for subclasses ----------------------------------------------------

    def observe(
        self, aws: AwsContext, target: Target, params: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """The state this action changes, read from AWS (used for before and after)."""
        return {}

    def undo_for(
        self, plan: ActionPlan, responses: Sequence[Mapping[str, Any]]
    ) -> Mapping[str, Any]:
        """What :meth:`rollback_calls` needs; by default the plan's params and before-state."""
        return {"params": dict(plan.params), "before": jsonable(plan.before)}

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        """The calls that restore ``result.before``."""
        raise ActionError(f"{self.name} cannot be rolled back: {self.irreversible_reason()}")

    def irreversible_reason(self) -> str:
        return "AWS offers no way to undo it"

    # --- helpers -----------------------------------------------------------------

    def validate_params(self, params: Mapping[str, Any]) -> list[str]:
        """Every problem with ``params`` (unknown, missing, wrongly typed), not just the first."""
        problems: list[str] = []
        known = {p.name: p for p in self.params}
        for key in params:
            if key not in known:
                problems.append(f"{self.name}: unknown parameter {key!r}")
        for spec in self.params:
            if spec.name not in params:
                if spec.required:
                    problems.append(f"{self.name}: missing parameter {spec.name!r}")
                continue
            if not isinstance(params[spec.name], spec.type):
                problems.append(f"{self.name}: parameter {spec.name!r} has the wrong type")
        for group in self.one_of:
            given = [g for g in group if params.get(g) is not None]
            if len(given) != 1:
                problems.append(f"{self.name}: give exactly one of {', '.join(group)}")
        return problems

    def checked_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        problems = self.validate_params(params)
        if problems:
            raise ActionError("; ".join(problems))
        return dict(params)

    def make_plan(
        self,
        target: Target,
        params: Mapping[str, Any],
        calls: Iterable[ApiCall],
        before: Mapping[str, Any],
        summary: str,
        *,
        exempt: str | None = None,
    ) -> ActionPlan:
        """An ActionPlan: noop when no call is needed; no calls at all when exempt."""
        planned = () if exempt else tuple(calls)
        return ActionPlan(
            action=self.name,
            target=target,
            params=dict(params),
            calls=planned,
            before=jsonable(before),
            noop=not planned and exempt is None,
            summary=f"refused: {exempt}" if exempt else summary,
            exempt=exempt,
        )

    def _check_plan(self, plan: ActionPlan) -> None:
        if plan.action != self.name:
            raise ActionError(f"{self.name} was given a plan for {plan.action}")
        if plan.exempt:
            raise ActionError(f"{self.name} refused on {plan.target.resource}: {plan.exempt}")


# --- AWS calls ---------------------------------------------------------------------


def execute(aws: AwsContext, call: ApiCall, **secret_params: Any) -> dict[str, Any]:
    """Make one described call; ``secret_params`` override redacted values at call time."""
    client = aws.client(call.service, call.region)
    kwargs = {**call.params, **secret_params}
    try:
        response: dict[str, Any] = getattr(client, call.method)(**kwargs)
    except Exception as exc:  # botocore raises non-BotoCoreError types too
        raise ActionError.from_exception(exc, f"{call.service}:{call.operation}") from None
    response.pop("ResponseMetadata", None)
    return response


def read(
    aws: AwsContext, service: str, operation: str, region: str, **params: Any
) -> dict[str, Any]:
    """A read-only call made while planning or observing (refuses anything else)."""
    if not is_read_only(operation):
        raise ActionError(f"{service}:{operation} is not a read-only call")
    return execute(aws, ApiCall(service, operation, params, region, mutating=False))


def read_or_none(
    aws: AwsContext, service: str, operation: str, region: str, **params: Any
) -> dict[str, Any] | None:
    """Like :func:`read`, but None when the resource does not exist."""
    try:
        return read(aws, service, operation, region, **params)
    except ActionError as exc:
        if exc.kind is FailureKind.NOT_FOUND:
            return None
        raise


def mutate(service: str, operation: str, region: str, **params: Any) -> ApiCall:
    return ApiCall(service, operation, params, region, mutating=True)


# --- exemption and journaling helpers ---------------------------------------------------


def tag_map(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """AWS tags in either shape (``[{Key, Value}]`` or ``{key: value}``) as a dict."""
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key", tag.get("TagKey"))
        value = tag.get("Value", tag.get("TagValue", ""))
        if key is not None:
            out[str(key)] = str(value)
    return out


def exemption(
    tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None,
    resource: str,
    tag_key: str = EXEMPT_TAG,
) -> str | None:
    """Why ``resource`` is exempt from automated response, or None."""
    value = tag_map(tags).get(tag_key)
    if value is not None and value.strip().lower() == "true":
        return f"{resource} is tagged {tag_key}=true"
    return None


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO strings and mappings/sequences as plain containers."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return REDACTED
    return value


def redact(params: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    hidden = set(keys)
    return {k: (REDACTED if k in hidden else v) for k, v in params.items()}


# --- registry --------------------------------------------------------------------

ACTIONS: Registry[Action] = Registry("action")
_A = TypeVar("_A", bound=type[Action])
_PACKAGE = "cloudwarden.respond.actions"
_loaded = False


def action(cls: _A) -> _A:
    """Class decorator: register one instance of the action under its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    ACTIONS.add(cls.name, cls())
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        load_builtin(_PACKAGE)
        _loaded = True


def get_action(name: str) -> Action:
    """The registered action called ``name`` (loads the builtin actions first)."""
    _load()
    return ACTIONS.get(name)


def all_actions() -> list[Action]:
    """Every registered action, sorted by name (loads the builtin actions first)."""
    _load()
    return [a for _name, a in ACTIONS.items()]
