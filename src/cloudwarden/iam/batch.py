"""The batch contract: one JSON request per input line, one JSON decision per output line.

Input line keys: ``id``, ``principal``, ``action``, ``resource`` (ARN or ``*``, default
``*``), ``context`` (key → value or list of values), ``identity_policies``,
``resource_policy``, ``resource_account``, ``permission_boundary``, ``session_policy``,
``scps`` and ``rcps`` (lists of levels, root first; absent means "not in an
organisation"), and optionally ``principal_is_management_account`` and
``resource_is_management_account``. Absent keys mean "none of that type".

Output: ``{"id", "decision"}`` (plus ``"explanation"`` when asked), or
``{"id", "error"}`` with a located message for a bad line. Lines keep their order; a bad
line never stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TextIO

import orjson

from cloudwarden.iam.conditions import json_scalar_text
from cloudwarden.iam.errors import PolicyParseError, PolicyProblem
from cloudwarden.iam.evaluate import CompiledPolicySet, PolicySet
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.request import Request, utc_now

__all__ = ["BatchLineError", "decide_line", "run_batch"]

_REQUEST_KEYS = frozenset({"id", "principal", "action", "resource", "context"})
_POLICY_KEYS = frozenset(
    {
        "identity_policies",
        "resource_policy",
        "resource_account",
        "permission_boundary",
        "session_policy",
        "scps",
        "rcps",
        "principal_is_management_account",
        "resource_is_management_account",
    }
)
_CACHE_LIMIT = 512


class BatchLineError(ValueError):
    """A line that cannot be decided; ``problems`` are located by JSON path."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _policy(value: object, path: str, problems: list[PolicyProblem]) -> Policy | None:
    if not isinstance(value, dict | str):
        problems.append(PolicyProblem(path, "a policy must be a JSON object or JSON text"))
        return None
    try:
        return parse_policy(value)
    except PolicyParseError as exc:
        problems.extend(exc.with_prefix(path).problems)
        return None


def _policy_list(value: object, path: str, problems: list[PolicyProblem]) -> list[Policy]:
    if not isinstance(value, list):
        problems.append(PolicyProblem(path, "expected a list of policies"))
        return []
    parsed = (_policy(item, f"{path}[{i}]", problems) for i, item in enumerate(value))
    return [p for p in parsed if p is not None]


def _levels(value: object, path: str, problems: list[PolicyProblem]) -> list[list[Policy]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.append(PolicyProblem(path, "expected a list of levels, each a list of policies"))
        return None
    return [_policy_list(level, f"{path}[{i}]", problems) for i, level in enumerate(value)]


def _optional_policy(
    line: Mapping[str, Any], key: str, problems: list[PolicyProblem]
) -> Policy | None:
    value = line.get(key)
    return None if value is None else _policy(value, key, problems)


def _flag(line: Mapping[str, Any], key: str, problems: list[PolicyProblem]) -> bool | None:
    value = line.get(key)
    if value is None or isinstance(value, bool):
        return value
    problems.append(PolicyProblem(key, "expected true or false"))
    return None


def _policy_set(line: Mapping[str, Any]) -> PolicySet:
    problems: list[PolicyProblem] = []
    identity = _policy_list(line.get("identity_policies", []), "identity_policies", problems)
    account = line.get("resource_account")
    if account is not None and not isinstance(account, str):
        problems.append(PolicyProblem("resource_account", "expected an account id string"))
    policies = PolicySet(
        identity_policies=identity,
        resource_policy=_optional_policy(line, "resource_policy", problems),
        resource_account=account if isinstance(account, str) else None,
        permission_boundary=_optional_policy(line, "permission_boundary", problems),
        session_policy=_optional_policy(line, "session_policy", problems),
        scps=_levels(line.get("scps"), "scps", problems),
        rcps=_levels(line.get("rcps"), "rcps", problems),
        principal_is_management_account=bool(
            _flag(line, "principal_is_management_account", problems)
        ),
        resource_is_management_account=_flag(line, "resource_is_management_account", problems),
    )
    if problems:
        raise BatchLineError(problems)
    return policies


def _context(value: object, problems: list[PolicyProblem]) -> dict[str, str | list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(PolicyProblem("context", "expected an object"))
        return {}
    out: dict[str, str | list[str]] = {}
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        texts = [json_scalar_text(v) for v in items]
        if any(t is None for t in texts):
            problems.append(PolicyProblem(f"context.{key}", "values must be scalars or lists"))
            continue
        strings = [t for t in texts if t is not None]
        out[key] = strings if isinstance(item, list) else strings[0]
    return out


def _required_string(line: Mapping[str, Any], key: str, problems: list[PolicyProblem]) -> str:
    value = line.get(key)
    if isinstance(value, str) and value:
        return value
    problems.append(PolicyProblem(key, "required, a non-empty string"))
    return ""


def _request(line: Mapping[str, Any], clock: Callable[[], datetime]) -> Request:
    problems: list[PolicyProblem] = []
    for key in line:
        if key not in _REQUEST_KEYS and key not in _POLICY_KEYS:
            problems.append(PolicyProblem(key, "unknown key"))
    principal = _required_string(line, "principal", problems)
    action = _required_string(line, "action", problems)
    if action and ":" not in action:
        problems.append(PolicyProblem("action", f"{action!r} is not 'service:Action'"))
    resource = line.get("resource", "*")
    if not isinstance(resource, str) or not resource:
        problems.append(PolicyProblem("resource", "expected an ARN or '*'"))
        resource = "*"
    context = _context(line.get("context"), problems)
    if problems:
        raise BatchLineError(problems)
    return Request(principal, action, resource, context, clock=clock)


class _Compiled:
    """A bounded cache of compiled policy sets keyed by their JSON."""

    def __init__(self) -> None:
        self._cache: dict[bytes, CompiledPolicySet] = {}

    def get(self, line: Mapping[str, Any]) -> CompiledPolicySet:
        subset = {k: v for k, v in line.items() if k in _POLICY_KEYS}
        key = orjson.dumps(subset, option=orjson.OPT_SORT_KEYS)
        hit = self._cache.get(key)
        if hit is None:
            hit = CompiledPolicySet(_policy_set(line))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = hit
        return hit


def decide_line(
    line: Mapping[str, Any],
    *,
    explain: bool = False,
    clock: Callable[[], datetime] = utc_now,
    cache: _Compiled | None = None,
) -> dict[str, Any]:
    """Decide one decoded input line; raises ``BatchLineError`` for a bad line."""
    request = _request(line, clock)
    compiled = (cache or _Compiled()).get(line)
    decision = compiled.evaluate(request, explain=explain)
    out: dict[str, Any] = {"id": line.get("id"), "decision": decision.decision}
    if decision.explanation is not None:
        out["explanation"] = decision.explanation.to_dict()
    return out


def _line_id(line: object) -> str | None:
    if isinstance(line, dict) and isinstance(line.get("id"), str):
        return str(line["id"])
    return None


def _one(
    text: str, number: int, explain: bool, clock: Callable[[], datetime], cache: _Compiled
) -> dict[str, Any]:
    try:
        line = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return {"id": None, "error": f"line {number}: invalid JSON: {exc}"}
    if not isinstance(line, dict):
        return {"id": None, "error": f"line {number}: expected a JSON object"}
    try:
        if not isinstance(line.get("id"), str):
            raise BatchLineError([PolicyProblem("id", "required, a string")])
        return decide_line(line, explain=explain, clock=clock, cache=cache)
    except BatchLineError as exc:
        return {"id": _line_id(line), "error": f"line {number}: {exc}"}
    except Exception as exc:
        return {"id": _line_id(line), "error": f"line {number}: internal error: {exc!r}"}


def run_batch(
    lines: Iterable[str],
    out: TextIO,
    explain: bool = False,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Decide every line of ``lines`` and write one JSON line each to ``out``.

    Blank lines are skipped. Returns the number of error lines, so a caller can exit
    non-zero after the whole batch has been written.
    """
    cache = _Compiled()
    errors = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        result = _one(text, number, explain, clock, cache)
        errors += "error" in result
        out.write(orjson.dumps(result).decode())
        out.write("\n")
    return errors
