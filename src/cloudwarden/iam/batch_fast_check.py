"""Steps 1 and 2 of the batch fast path (see ``cloudwarden.iam.batch_fast``): check a policy.

``_policy`` / ``_policies`` / ``_levels`` check each policy document of a decoded line
with a conservative validator (only documents ``parse_policy`` accepts pass; anything
else raises ``_Decline``, so the caller runs the reference path and reports the located
error) and keep, in the reference plan's order, the statements whose ``Action`` /
``NotAction`` matches the request's action (``_hits_for`` remembers action patterns
across lines). ``batch_fast`` checks the request fields and decides over those statements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from cloudwarden.iam.batch_policies import POLICY_FIELDS
from cloudwarden.iam.condition_ops import Family
from cloudwarden.iam.conditions import (
    _operator,
    _prepared,
    json_scalar_text,
)
from cloudwarden.iam.decide import (
    BOUNDARY,
    RCP,
    RESOURCE,
)
from cloudwarden.iam.matching import (
    compile_actions,
)
from cloudwarden.iam.policy import VERSION_2012

__all__ = ["Candidate", "Flags", "Lookup"]
Lookup = Callable[[str], "str | list[str] | None"]
# (layer code, organisation level, statement, variables active, Deny, Resource or
# NotResource value (None: every resource passes), NotResource, Condition: None, the
# checked block, or for SCPs and RCPs a one-item list holding the block or its clauses)
Candidate = tuple[int, int, dict[str, Any], bool, bool, Any, bool, Any]
# has SCPs, RCPs, a resource policy, a boundary, a session policy; principal in the
# management account; resource in the management account (None: as the principal's)
Flags = tuple[bool, bool, bool, bool, bool, bool, bool | None]

_LIMIT = 4096
_LINE_KEYS = frozenset({"id", "principal", "action", "resource", "context"} | POLICY_FIELDS)
_POLICY_KEYS = frozenset({"Version", "Id", "Statement"})
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
# Families whose policy values cannot fail to prepare (any string is a valid operand):
# their values need only be JSON scalars. The others are prepared (and cached) to check.
_ANY_TEXT = frozenset({Family.STRING, Family.ARN, Family.BOOL})
_BOUNDARY_BIT = 1 << BOUNDARY
_PRINCIPAL_LAYERS = (1 << RESOURCE) | (1 << RCP)


class _Decline(Exception):
    """The fast path cannot vouch for this line; the reference path takes it."""


# -- action matching ------------------------------------------------------------------
# request action (lower-cased) -> {pattern as written -> whether it matches}; a pattern
# is stored only once it has been checked as a valid Action element value.
_action_hits: dict[str, dict[str, bool]] = {}


def _star_match(pieces: list[str], text: str) -> bool:
    """``text`` against a glob split on ``*`` (``"a*b*c"`` -> ``["a", "b", "c"]``)."""
    if len(pieces) == 1:
        return text == pieces[0]
    first = pieces[0]
    last = pieces[-1]
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    pos = len(first)
    for middle in pieces[1:-1]:
        if middle:
            found = text.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
    return True


def _learn_action(hits: dict[str, bool], pattern: object, action: str) -> bool:
    if type(pattern) is not str or not pattern or (":" not in pattern and pattern != "*"):
        raise _Decline
    if "?" in pattern or not (pattern.isascii() and action.isascii()):
        hit = compile_actions((pattern,)).fullmatch(action) is not None
    else:  # ASCII: case-insensitive is lower-casing, and '*' alone needs no regex
        hit = _star_match(pattern.lower().split("*"), action)
    if len(hits) >= _LIMIT:
        hits.clear()
    hits[pattern] = hit
    return hit


def _hits_for(action: str) -> dict[str, bool]:
    hits = _action_hits.get(action)
    if hits is None:
        if len(_action_hits) >= _LIMIT:
            _action_hits.clear()
        hits = _action_hits[action] = {}
    return hits


# -- validation -----------------------------------------------------------------------
def _check_strings(value: object) -> None:
    """A non-empty string or a non-empty list of non-empty strings (``_strings``)."""
    if type(value) is str:
        if value:
            return
        raise _Decline
    if type(value) is not list or not value:
        raise _Decline
    for item in value:
        if type(item) is not str or not item:
            raise _Decline


def _check_principal(value: object) -> None:
    if value == "*":
        return
    if type(value) is not dict:
        raise _Decline
    for key, item in value.items():
        if key not in _PRINCIPAL_TYPES:
            raise _Decline
        _check_strings(item)


# operator name as written -> the operator's name when its values must be prepared to be
# checked, "" when any scalar will do
_operators: dict[str, str] = {}


def _learn_operator(name: object) -> str:
    if type(name) is not str:
        raise _Decline
    spec, _, _, error = _operator(name)
    if spec is None or error:
        raise _Decline
    checked = "" if spec.family in _ANY_TEXT else spec.name
    if len(_operators) >= _LIMIT:
        _operators.clear()
    _operators[name] = checked
    return checked


def _check_value(item: object, checked: str) -> None:
    """One condition value: a JSON scalar, and a valid operand when ``checked`` names an
    operator whose operands can be invalid (``conditions._parse_value``)."""
    if type(item) is str:
        text: str | None = item
    elif type(item) is bool or type(item) is int or type(item) is float:
        text = json_scalar_text(item)
    else:
        raise _Decline
    if checked and (text is None or _prepared(checked, text)[1]):
        raise _Decline


def _check_condition(block: object) -> None:
    """Check a Condition block as ``parse_condition_block`` would."""
    if type(block) is not dict:
        raise _Decline
    for name, keys in block.items():
        checked = _operators.get(name)
        if checked is None:
            checked = _learn_operator(name)
        if type(keys) is not dict:
            raise _Decline
        for value in keys.values():
            if type(value) is str:
                if checked:
                    _check_value(value, checked)
            elif type(value) is list:
                for item in value:
                    if checked or type(item) is not str:
                        _check_value(item, checked)
            else:
                _check_value(value, checked)


def _document(doc: object) -> tuple[bool, list[Any]]:
    """Check a policy's top level as ``parse_policy`` would: its variables flag and its
    statements (checked by ``_scan``)."""
    if type(doc) is str:
        doc = orjson.loads(doc)
    if type(doc) is not dict or not _POLICY_KEYS.issuperset(doc):
        raise _Decline
    version = doc.get("Version")
    if version == VERSION_2012:
        variables = True
    elif version is None or version == "2008-10-17":
        variables = False
    else:
        raise _Decline
    policy_id = doc.get("Id")
    if policy_id is not None and type(policy_id) is not str:
        raise _Decline
    if "Statement" not in doc:
        raise _Decline
    body = doc["Statement"]
    return variables, body if type(body) is list else [body]


def _scan(
    body: list[Any],
    variables: bool,
    code: int,
    level: int,
    hits: dict[str, bool] | None,
    action: str,
    out: list[Candidate],
) -> None:
    """Check each statement as ``policy._statement`` would, and keep those whose Action /
    NotAction matches ``action`` (every statement when ``hits`` is ``None``).

    Every key of a statement must be accounted for by one of the elements checked here,
    which also rejects unknown elements, Action with NotAction, Resource with NotResource
    and elements given as ``null``.
    """
    for st in body:
        if type(st) is not dict:
            raise _Decline
        effect = st.get("Effect")
        if effect == "Allow":
            deny = False
        elif effect == "Deny":
            deny = True
        else:
            raise _Decline
        unchecked = len(st) - 2  # Effect, and Action or NotAction
        patterns = st.get("Action")
        if patterns is not None:
            negated = False
        else:
            patterns = st.get("NotAction")
            if patterns is None:
                raise _Decline
            negated = True
        if type(patterns) is str:
            if ":" not in patterns and patterns != "*":
                raise _Decline
            if hits is None:
                hit = True
            else:
                known = hits.get(patterns)
                hit = _learn_action(hits, patterns, action) if known is None else known
        elif type(patterns) is list and patterns:
            hit = False
            for pattern in patterns:
                if type(pattern) is not str or (":" not in pattern and pattern != "*"):
                    raise _Decline
                if hits is not None and not hit:
                    known = hits.get(pattern)
                    hit = _learn_action(hits, pattern, action) if known is None else known
        else:
            raise _Decline
        resources = st.get("Resource")
        resource_negated = False
        if resources is not None:
            unchecked -= 1
            if resources == "*":  # the resource check always passes
                resources = None
            elif type(resources) is not str or not resources:
                _check_strings(resources)
                if "*" in resources:
                    resources = None
        else:
            resources = st.get("NotResource")
            if resources is not None:
                unchecked -= 1
                if type(resources) is not str or not resources:
                    _check_strings(resources)
                resource_negated = True
        if unchecked:  # Sid, Principal or NotPrincipal, Condition, and nothing else
            if "Sid" in st:
                sid = st["Sid"]
                if sid is not None and type(sid) is not str:
                    raise _Decline
                unchecked -= 1
            if "Principal" in st:
                if "NotPrincipal" in st:
                    raise _Decline
                _check_principal(st["Principal"])
                unchecked -= 1
            elif "NotPrincipal" in st:
                _check_principal(st["NotPrincipal"])
                unchecked -= 1
            if "Condition" in st:
                conditions = st["Condition"]
                _check_condition(conditions)
                unchecked -= 1
            else:
                conditions = None
            if unchecked:
                raise _Decline
        else:
            conditions = None
        if hits is None or hit != negated:
            out.append((code, level, st, variables, deny, resources, resource_negated, conditions))


# SCP and RCP texts (``orjson`` serialisation, or the JSON text given) -> their checked
# statements. An organisation's SCPs and RCPs are the same on every line about its
# accounts, so each is checked once per distinct text once it has come back (a text seen
# once is only noted: remembering what does not repeat costs more than it saves); other
# policies are checked on every line.
_org_policies: dict[bytes, list[Candidate]] = {}
_org_seen: set[bytes] = set()


def _seen_before(seen: set[Any], key: object) -> bool:
    """Whether ``key`` was noted before; notes it."""
    if key in seen:
        return True
    if len(seen) >= _LIMIT:
        seen.clear()
    seen.add(key)
    return False


def _org_policy(
    doc: object, code: int, level: int, hits: dict[str, bool], action: str, out: list[Candidate]
) -> None:
    if type(doc) is dict:
        key = orjson.dumps(doc)
    elif type(doc) is str:
        key = doc.encode()
    else:
        raise _Decline
    statements = _org_policies.get(key)
    if statements is None:
        if not _seen_before(_org_seen, key):
            _policy(doc, code, level, hits, action, out)
            return
        statements = _org_statements(doc)
        if len(_org_policies) >= _LIMIT:
            _org_policies.clear()
        _org_policies[key] = statements
    for _, _, st, variables, deny, resources, resource_negated, conditions in statements:
        patterns: Any = st.get("Action")
        negated = patterns is None
        if negated:
            patterns = st["NotAction"]
        if type(patterns) is str:
            hit = hits.get(patterns)
            if hit is None:
                hit = _learn_action(hits, patterns, action)
        else:
            hit = False
            for pattern in patterns:
                one = hits.get(pattern)
                if one is None:
                    one = _learn_action(hits, pattern, action)
                if one:
                    hit = True
                    break
        if hit != negated:
            out.append((code, level, st, variables, deny, resources, resource_negated, conditions))


def _org_statements(doc: object) -> list[Candidate]:
    """Every statement of an SCP or RCP, checked; a Condition is kept in a one-item list
    that ``_evaluate`` replaces with its parsed clauses the first time it is needed."""
    variables, body = _document(doc)
    statements: list[Candidate] = []
    _scan(body, variables, -1, -1, None, "", statements)
    return [item if item[7] is None else (*item[:7], [item[7]]) for item in statements]


def _policy(
    doc: object, code: int, level: int, hits: dict[str, bool], action: str, out: list[Candidate]
) -> None:
    """Check one policy and keep its statements whose action matches."""
    variables, body = _document(doc)
    _scan(body, variables, code, level, hits, action, out)


def _policies(
    value: object, code: int, level: int, hits: dict[str, bool], action: str, out: list[Candidate]
) -> None:
    if type(value) is not list:
        raise _Decline
    for doc in value:
        _policy(doc, code, level, hits, action, out)


# (SCP or RCP, text of a line's ``scps`` or ``rcps``, action) -> the candidate statements
# of all its levels: lines about one organisation repeat both
_org_levels: dict[tuple[int, bytes, str], list[Candidate]] = {}
_org_levels_seen: set[tuple[int, bytes, str]] = set()


def _levels(
    value: object, code: int, hits: dict[str, bool], action: str, out: list[Candidate]
) -> int:
    """Check the SCP or RCP levels of a line and keep their matching statements."""
    if type(value) is not list:
        raise _Decline
    key = (code, orjson.dumps(value), action)
    found = _org_levels.get(key)
    if found is None:
        found = []
        for level, docs in enumerate(value):
            if type(docs) is not list:
                raise _Decline
            for doc in docs:
                _org_policy(doc, code, level, hits, action, found)
        if _seen_before(_org_levels_seen, key):
            if len(_org_levels) >= _LIMIT:
                _org_levels.clear()
            _org_levels[key] = found
    out.extend(found)
    return len(value)
