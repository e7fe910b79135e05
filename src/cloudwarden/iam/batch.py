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

from cloudwarden.gcpause import fewer_collections
from cloudwarden.iam.batch_fast import context_values, decide_fast
from cloudwarden.iam.batch_policies import POLICY_FIELDS, BatchLineError, LinePolicies
from cloudwarden.iam.errors import PolicyProblem
from cloudwarden.iam.explain import DecisionValue
from cloudwarden.iam.request import Request, utc_now

__all__ = ["BatchLineError", "LinePolicies", "decide_line", "run_batch"]

_REQUEST_KEYS = frozenset({"id", "principal", "action", "resource", "context"})


def _required_string(line: Mapping[str, Any], key: str, problems: list[PolicyProblem]) -> str:
    value = line.get(key)
    if isinstance(value, str) and value:
        return value
    problems.append(PolicyProblem(key, "required, a non-empty string"))
    return ""


def _request(line: Mapping[str, Any], clock: Callable[[], datetime]) -> Request:
    problems: list[PolicyProblem] = []
    for key in line:
        if key not in _REQUEST_KEYS and key not in POLICY_FIELDS:
            problems.append(PolicyProblem(key, "unknown key"))
    principal = _required_string(line, "principal", problems)
    action = _required_string(line, "action", problems)
    if action and ":" not in action:
        problems.append(PolicyProblem("action", f"{action!r} is not 'service:Action'"))
    resource = line.get("resource", "*")
    if not isinstance(resource, str) or not resource:
        problems.append(PolicyProblem("resource", "expected an ARN or '*'"))
        resource = "*"
    context = context_values(line.get("context"), problems)
    if problems:
        raise BatchLineError(problems)
    return Request(principal, action, resource, context, clock=clock)


def decide_line(
    line: Mapping[str, Any],
    *,
    explain: bool = False,
    clock: Callable[[], datetime] = utc_now,
    cache: LinePolicies | None = None,
) -> dict[str, Any]:
    """Decide one decoded input line; raises ``BatchLineError`` for a bad line.

    ``cache`` keeps the parsed and compiled policies of earlier lines (see
    ``cloudwarden.iam.batch_policies``); ``run_batch`` shares one across a whole batch.
    """
    request = _request(line, clock)
    compiled = (cache or LinePolicies()).compiled(line)
    decision = compiled.evaluate(request, explain=explain)
    out: dict[str, Any] = {"id": line.get("id"), "decision": decision.decision}
    if decision.explanation is not None:
        out["explanation"] = decision.explanation.to_dict()
    return out


def _line_id(line: object) -> str | None:
    if isinstance(line, dict) and isinstance(line.get("id"), str):
        return str(line["id"])
    return None


def _decide_plain(
    line: dict[str, Any], clock: Callable[[], datetime], cache: LinePolicies
) -> DecisionValue | None:
    """The decision of a line without explanation, or ``None`` for ``decide_line``.

    A line whose policies were seen before is decided by their compiled set (compiled
    on the second sighting, by ``decide_line``); a line with new policies by the one-pass
    ``decide_fast``, which declines lines it cannot vouch for (bad lines included).
    """
    if cache.worth_keying():
        key = cache.key(line)
        compiled = cache.known(key)
        if compiled is not None:
            return compiled.decide(_request(line, clock))
        if not cache.first_sighting(key):
            return None
    return decide_fast(line, clock)


def _one(
    text: str, number: int, explain: bool, clock: Callable[[], datetime], cache: LinePolicies
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
        if not explain:
            decision = _decide_plain(line, clock, cache)
            if decision is not None:
                return {"id": line["id"], "decision": decision}
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
    cache = LinePolicies()
    errors = 0
    with fewer_collections():
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            result = _one(text, number, explain, clock, cache)
            errors += "error" in result
            out.write(orjson.dumps(result, option=orjson.OPT_APPEND_NEWLINE).decode())
    return errors
