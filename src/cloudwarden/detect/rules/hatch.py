"""The ``python:`` escape hatch of native rules, and the hatch functions the built-in rules use.

A native rule may name ``module:function``; the function is called with the fields of each
event the rule's ``detection`` matched and the rule matches only if it returns true. It is
for logic a Sigma detection cannot say, such as "the trust policy names an account other
than the caller's". The function receives an :class:`EventFields`: a read-only mapping of
dotted field path to value over the record the engines match (the CloudTrail record, or the
parsed fields of a flow / access log line), so ``fields["requestParameters.policyDocument"]``
works although CloudTrail keeps that value nested; the record itself is ``fields.raw``.

The engines call the function contained (:func:`contain_hatch`): when it raises on an
event, that event does not match the rule and the failure is counted per rule
(:func:`hatch_errors`: the exception and on how many events), instead of stopping the run.

The functions here read CloudTrail's ``requestParameters`` as AWS records them: the IAM
calls carry their policy documents as JSON *strings* (``policyDocument`` for
``UpdateAssumeRolePolicy``, ``assumeRolePolicyDocument`` for ``CreateRole``), while S3's
``PutBucketPolicy`` carries ``bucketPolicy`` as a JSON object (a string is accepted too).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwarden.checks.builtin.s3._public_policy import as_list, public_grants, statements
from cloudwarden.detect.rules.evaluate import _getter
from cloudwarden.detect.rules.ir import Rule

__all__ = [
    "ContainedHatch",
    "EventFields",
    "HatchError",
    "HatchFailures",
    "HatchFunction",
    "RuleHatchError",
    "account_of",
    "bucket_policy_external_account",
    "bucket_policy_public",
    "contain_hatch",
    "hatch_counts",
    "hatch_errors",
    "lambda_permission_external",
    "resolve_hatch",
    "trust_names_external_account",
]

HatchFunction = Callable[[Mapping[str, Any]], bool]

_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:(?:iam|sts)::(\d{12}|\*):")


class HatchError(ValueError):
    """A ``python:`` reference that does not name an importable callable."""


def resolve_hatch(ref: str) -> HatchFunction:
    """Import ``module:function``; :class:`HatchError` (one line) when that is not possible.

    The function itself, as written: the engines call it through :func:`contain_hatch`.
    """
    if not _REF.match(ref):
        raise HatchError(f"python reference {ref!r} is not of the form module:function")
    module_name, _, name = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an import can fail in any way the module's code does
        raise HatchError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise HatchError(f"module {module_name!r} has no function {name!r}")
    return fn  # type: ignore[no-any-return]


@dataclass(slots=True)
class HatchFailures:
    """The events on which a rule's function raised, and the first and last exception."""

    rule_id: str
    ref: str
    events: int = 0
    first: str = ""
    last: str = ""

    def add(self, exc: BaseException) -> None:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        if len(text) > _MAX_MESSAGE:
            text = text[: _MAX_MESSAGE - 1] + "…"
        self.events += 1
        self.last = text
        if not self.first:
            self.first = text


#: (rule id, function reference) -> its failures, for the process
_FAILURES: dict[tuple[str, str], HatchFailures] = {}
_MAX_MESSAGE = 300


class ContainedHatch:
    """A rule's hatch function with its exceptions contained: an event on which it raises
    does not match, and the failure is counted (see :func:`hatch_errors`), so one faulty
    function never stops a run nor loses the other rules' alerts."""

    __slots__ = ("failures", "fn")

    def __init__(self, rule: Rule, fn: HatchFunction) -> None:
        self.fn = fn
        key = (rule.id, rule.python)
        record = _FAILURES.get(key)
        if record is None:
            record = _FAILURES[key] = HatchFailures(rule.id, rule.python)
        self.failures = record

    def __call__(self, fields: Mapping[str, Any]) -> bool:
        try:
            return bool(self.fn(fields))
        except (Exception, SystemExit) as exc:  # the rule author's code: any failure
            self.failures.add(exc)
            return False


def contain_hatch(rule: Rule) -> ContainedHatch:
    """``rule``'s ``python:`` function (:func:`resolve_hatch`), contained."""
    return ContainedHatch(rule, resolve_hatch(rule.python))


@dataclass(frozen=True, slots=True)
class RuleHatchError:
    """A rule whose ``python:`` function raised on some events (they did not match it)."""

    rule_id: str
    ref: str
    events: int
    error: str

    def __str__(self) -> str:
        s = "" if self.events == 1 else "s"
        return (
            f"python function {self.ref} raised {self.error} on {self.events} event{s} "
            "(those events did not match the rule)"
        )


def hatch_counts() -> dict[tuple[str, str], int]:
    """How many events each rule's function has failed on so far (for :func:`hatch_errors`)."""
    return {key: record.events for key, record in _FAILURES.items()}


def hatch_errors(
    rules: Iterable[Rule], since: Mapping[tuple[str, str], int] | None = None
) -> list[RuleHatchError]:
    """The rules among ``rules`` whose ``python:`` function raised, in rule order: how many
    events it failed on and its first exception. Counts are for the process; ``since``, a
    :func:`hatch_counts` taken earlier, leaves out what was counted before it (the
    exception shown is then the last one)."""
    out: list[RuleHatchError] = []
    for rule in rules:
        key = (rule.id, rule.python)
        record = _FAILURES.get(key) if rule.python else None
        if record is None:
            continue
        events = record.events - (since or {}).get(key, 0)
        if events > 0:
            error = record.last if since is not None else record.first
            out.append(RuleHatchError(rule.id, rule.python, events, error))
    return out


class EventFields(Mapping[str, Any]):
    """Dotted field path -> value over one record, with the evaluator's path semantics.

    A path that crosses a list yields the list of values reached; a missing path is absent
    (``KeyError``, ``.get`` returns the default).
    """

    __slots__ = ("_keys", "raw")

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.raw = record
        self._keys: tuple[str, ...] | None = None

    def __getitem__(self, key: str) -> Any:
        values = _getter(key)(self.raw)
        if not values:
            raise KeyError(key)
        return values[0] if len(values) == 1 else values

    def __iter__(self) -> Iterator[str]:
        if self._keys is None:
            self._keys = tuple(_paths(self.raw, ""))
        return iter(self._keys)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _paths(obj: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for k, v in obj.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            yield from _paths(v, path + ".")
        else:
            yield path


def _document(value: Any) -> dict[str, Any] | None:
    """A policy document given as a JSON object or as the JSON string CloudTrail records."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def account_of(principal: str) -> str | None:
    """The account an AWS principal string names (``"*"`` for anyone), or None."""
    if principal == "*":
        return "*"
    if _ACCOUNT.match(principal):
        return principal
    m = _ARN_ACCOUNT.match(principal)
    return m.group(1) if m else None


def _own_account(fields: Mapping[str, Any]) -> str:
    return str(fields.get("recipientAccountId") or fields.get("userIdentity.accountId") or "")


def _allows_other_account(doc: Mapping[str, Any], own: str) -> bool:
    """An ``Allow`` statement names an AWS principal outside ``own``, or ``*``. Service and
    federated principals are not accounts and are ignored."""
    for stmt in statements(doc):
        if stmt.get("Effect") != "Allow":
            continue
        principal = stmt.get("Principal")
        named = ["*"] if principal == "*" else []
        if isinstance(principal, dict):
            named = [p for p in as_list(principal.get("AWS")) if isinstance(p, str)]
        for p in named:
            account = account_of(p.strip())
            if account is not None and account != own:
                return True
    return False


def trust_names_external_account(fields: Mapping[str, Any]) -> bool:
    """An ``Allow`` trust statement names an AWS principal outside the role's account, or ``*``.

    For ``UpdateAssumeRolePolicy`` (``requestParameters.policyDocument``) and ``CreateRole``
    (``requestParameters.assumeRolePolicyDocument``); the role's account is the event's
    ``recipientAccountId``.
    """
    doc = _document(
        fields.get("requestParameters.policyDocument")
        or fields.get("requestParameters.assumeRolePolicyDocument")
    )
    return doc is not None and _allows_other_account(doc, _own_account(fields))


def bucket_policy_external_account(fields: Mapping[str, Any]) -> bool:
    """``PutBucketPolicy`` whose ``Allow`` names an AWS principal of another account, or ``*``
    (public policies are also reported, posture-grade, by ``bucket_policy_public``)."""
    doc = _document(fields.get("requestParameters.bucketPolicy"))
    return doc is not None and _allows_other_account(doc, _own_account(fields))


def lambda_permission_external(fields: Mapping[str, Any]) -> bool:
    """Lambda ``AddPermission`` to ``*`` or to an AWS account other than the function's.

    A service principal (``s3.amazonaws.com``) is external only when the permission names a
    ``sourceAccount`` other than the function's; without ``sourceAccount`` or ``sourceArn`` any
    account's resource of that service may invoke the function, which is reported too.
    """
    principal = fields.get("requestParameters.principal")
    if not isinstance(principal, str):
        return False
    own = _own_account(fields)
    account = account_of(principal.strip())
    if account is not None:
        return account != own
    if principal.endswith(".amazonaws.com"):
        source_account = fields.get("requestParameters.sourceAccount")
        if isinstance(source_account, str) and source_account:
            return source_account != own
        return not fields.get("requestParameters.sourceArn")
    return False


def bucket_policy_public(fields: Mapping[str, Any]) -> bool:
    """``PutBucketPolicy`` whose policy lets anyone in, as S3 defines "public".

    An ``Allow`` to ``"*"`` / ``{"AWS": "*"}`` (or with ``NotPrincipal``) is public unless its
    condition pins the caller to fixed values of an identifying key (``aws:SourceVpce``,
    ``aws:PrincipalOrgID``, ``aws:SourceIp`` …); the same reading as the posture check
    ``s3_bucket_policy_not_public`` (AWS: "The meaning of 'public'",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
    """
    doc = _document(fields.get("requestParameters.bucketPolicy"))
    return bool(doc is not None and public_grants(doc))
