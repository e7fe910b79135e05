"""When does a resource policy (bucket, key or secret policy) grant public access?

The rule follows the one S3 documents for "the meaning of public", which IAM Access
Analyzer applies to other resource policies too: an ``Allow`` to every principal
(``"*"``, ``{"AWS": "*"}`` or a ``NotPrincipal``) is public unless its condition pins
the caller down to *fixed* values of a key that identifies who or where the caller
is: an organisation, an account, a principal, a VPC or endpoint, a source ARN, a
set of IP ranges. A value with a wildcard or a policy variable is not fixed, and
neither is ``0.0.0.0/0``.

Condition semantics matter: the entries of one ``Condition`` block are ANDed, so a
single pinning entry is enough; ``…IfExists`` and ``ForAllValues:`` operators are
true when the key is missing (an anonymous caller has no ``aws:PrincipalOrgID``),
so they pin nothing. A policy can also fence itself with a ``Deny`` to everyone
whose condition is the negation (``StringNotEquals aws:PrincipalOrgID o-…``); such
a fence neutralises public ``Allow`` statements whose actions and resources it covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Condition keys whose fixed values say who or where the caller is (lower case).
IDENTIFYING_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:vpcsourceip",
        "aws:sourcevpc",
        "aws:sourcevpcarn",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:principalservicename",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
_MATCHING = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_NEGATED = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)
_ANY_CIDR = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True, slots=True)
class PublicGrant:
    """One statement that lets anyone in, as evidence for a finding."""

    sid: str
    actions: tuple[str, ...]
    principal: str

    def describe(self) -> str:
        acts = ", ".join(self.actions)
        return (
            f"statement {self.sid} allows {acts} to {self.principal} "
            "with no condition limiting who can use it"
        )


def statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not policy:
        return []
    raw = policy.get("Statement", [])
    items = [raw] if isinstance(raw, dict) else list(raw or [])
    return [s for s in items if isinstance(s, dict)]


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def public_grants(policy: Mapping[str, Any] | None) -> list[PublicGrant]:
    """The policy's public ``Allow`` statements that no deny-fence neutralises."""
    stmts = statements(policy)
    fences = [s for s in stmts if _is_fence(s)]
    found = []
    for index, stmt in enumerate(stmts):
        grant = _public_grant(index, stmt)
        if grant and not any(_fence_covers(fence, stmt) for fence in fences):
            found.append(grant)
    return found


def everyone(stmt: Mapping[str, Any]) -> bool:
    """``Principal: "*"`` or ``{"AWS": "*"}`` (alone or in a list)."""
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))


def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    flags = re.IGNORECASE if ignore_case else 0
    return re.fullmatch(regex, text, flags) is not None


def _public_grant(index: int, stmt: Mapping[str, Any]) -> PublicGrant | None:
    if stmt.get("Effect") != "Allow":
        return None
    if "NotPrincipal" in stmt:
        who = "everyone but the NotPrincipal list"
    elif everyone(stmt):
        who = 'Principal "*"'
    else:
        return None
    if any(_pins(op, key, vals) for op, key, vals in _conditions(stmt)):
        return None
    actions = as_list(stmt.get("Action")) or [
        f"all but {a}" for a in as_list(stmt.get("NotAction"))
    ]
    sid = f"'{stmt['Sid']}'" if stmt.get("Sid") else f"#{index + 1}"
    return PublicGrant(sid=sid, actions=tuple(actions), principal=who)


def _conditions(stmt: Mapping[str, Any]) -> Iterable[tuple[str, str, list[str]]]:
    block = stmt.get("Condition") or {}
    if not isinstance(block, dict):
        return
    for operator, entries in block.items():
        if isinstance(entries, dict):
            for key, values in entries.items():
                yield str(operator), str(key).lower(), as_list(values)


def _split(operator: str) -> tuple[str, str, bool]:
    qualifier, _, base = operator.lower().rpartition(":")
    if_exists = base.endswith("ifexists")
    return qualifier, base.removesuffix("ifexists"), if_exists


def _fixed(key: str, values: list[str]) -> bool:
    if not values:
        return False
    if any("*" in v or "?" in v or "${" in v for v in values):
        return False
    return not (key in ("aws:sourceip", "aws:vpcsourceip") and any(v in _ANY_CIDR for v in values))


def _pins(operator: str, key: str, values: list[str]) -> bool:
    """True when this condition entry alone limits access to fixed callers."""
    qualifier, base, if_exists = _split(operator)
    return (
        base in _MATCHING
        and not if_exists
        and qualifier in ("", "foranyvalue")
        and key in IDENTIFYING_KEYS
        and _fixed(key, values)
    )


def _is_fence(stmt: Mapping[str, Any]) -> bool:
    """A Deny to everyone unless the caller matches fixed identifying values."""
    if stmt.get("Effect") != "Deny" or not everyone(stmt) or "NotAction" in stmt:
        return False
    entries = list(_conditions(stmt))
    if not entries:
        return False
    for operator, key, values in entries:
        qualifier, base, _ = _split(operator)
        if base not in _NEGATED or qualifier or key not in IDENTIFYING_KEYS:
            return False
        if not _fixed(key, values):
            return False
    return True


def _fence_covers(fence: Mapping[str, Any], allow: Mapping[str, Any]) -> bool:
    allowed_actions = as_list(allow.get("Action")) if "Action" in allow else ["*"]
    allowed_resources = as_list(allow.get("Resource")) if "Resource" in allow else ["*"]
    deny_actions = as_list(fence.get("Action"))
    deny_resources = as_list(fence.get("Resource")) if "Resource" in fence else ["*"]
    if "NotResource" in fence:
        return False
    return all(
        any(glob_match(p, a, ignore_case=True) for p in deny_actions) for a in allowed_actions
    ) and all(any(glob_match(p, r) for p in deny_resources) for r in allowed_resources)
