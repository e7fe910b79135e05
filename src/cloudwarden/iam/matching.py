"""Matching of the Action, Resource and Principal elements.

* Actions ("IAM JSON policy elements: Action"): ``service:ActionName``, case-insensitive,
  with ``*`` (any run of characters) and ``?`` (one character).
* Resources ("IAM JSON policy elements: Resource", "IAM identifiers: ARNs"): case-sensitive
  ARN matching where a wildcard in one of the first five colon-separated parts stays inside
  that part, while the sixth part (the resource) may contain colons. ``*`` alone matches
  every resource.
* Principals ("IAM JSON policy elements: Principal"): exact identifiers, no partial
  wildcards; an account id or ``arn:aws:iam::ACCT:root`` names the whole account; a role
  ARN names every session of the role; an assumed-role session ARN names that session.

Wildcard patterns are compiled to regular expressions once and cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from cloudwarden.iam.principals import PrincipalInfo, PrincipalKind

__all__ = [
    "ArnPatterns",
    "GlobPattern",
    "GrantKind",
    "PrincipalMatcher",
    "action_matches",
    "action_service",
    "arn_regex_source",
    "compile_actions",
    "compile_arn_patterns",
    "compile_string_like",
    "resource_matches",
    "split_arn",
]

_ARN_PARTS = 6
_LAST_FIXED_PART = 5


def split_arn(arn: str) -> tuple[str, ...] | None:
    """The six parts of an ARN (the last one keeps its colons), or ``None``."""
    parts = arn.split(":", _LAST_FIXED_PART)
    if len(parts) != _ARN_PARTS or parts[0] != "arn":
        return None
    return tuple(parts)


def _glob_source(text: str, star: str, one: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(one)
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=16384)
def compile_actions(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive regex that matches an action against any of ``patterns``."""
    alternatives = "|".join(_glob_source(p, ".*", ".") for p in patterns) or "(?!)"
    return re.compile(f"(?:{alternatives})", re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Whether one Action pattern matches an action name (case-insensitive)."""
    return compile_actions((pattern,)).fullmatch(action) is not None


def action_service(pattern: str) -> str | None:
    """The lower-cased service prefix of an action pattern, ``None`` if it is wildcarded."""
    service, sep, _ = pattern.partition(":")
    if not sep or "*" in service or "?" in service:
        return None
    return service.lower()


def arn_regex_source(segments: Iterable[tuple[str, bool]], *, swallow_short: bool) -> str:
    """Regex source for an ARN pattern given as ``(text, literal)`` segments.

    Wildcards before the fifth colon match within one ARN part only. When
    ``swallow_short`` is set and the pattern has fewer than five colons (``*``,
    ``arn:aws:*``), wildcards in its last part match the rest of the ARN, colons included.
    """
    segs = list(segments)
    total_colons = sum(text.count(":") for text, _ in segs)
    free_from = min(total_colons, _LAST_FIXED_PART) if swallow_short else _LAST_FIXED_PART
    colons = 0
    out: list[str] = []
    for text, literal in segs:
        for ch in text:
            if literal or ch not in "*?":
                out.append(re.escape(ch))
                colons += ch == ":"
                continue
            free = colons >= free_from
            if ch == "*":
                out.append(".*" if free else "[^:]*")
            else:
                out.append("." if free else "[^:]")
    return "".join(out)


@lru_cache(maxsize=16384)
def compile_arn_patterns(patterns: tuple[str, ...], swallow_short: bool = True) -> re.Pattern[str]:
    """One regex matching a resource against any of the (variable-free) ARN ``patterns``."""
    sources = [arn_regex_source([(p, False)], swallow_short=swallow_short) for p in patterns]
    return re.compile("(?:" + ("|".join(sources) or "(?!)") + ")", re.DOTALL)


class ArnPatterns:
    """The variable-free patterns of one Resource / NotResource element, matched without a
    regex where the pattern allows it.

    A pattern without wildcards is an exact string; a pattern whose only wildcard is a
    final ``*`` is a prefix (that ``*`` is in the last part of the ARN, which may contain
    colons, or in the last part of a short pattern, which swallows the rest). Only the
    other patterns are compiled, together, and only when first needed: a batch line
    decides one request, so most statements never reach their Resource element.
    """

    __slots__ = ("_others", "_regex", "exact", "prefixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        others: list[str] = []
        for pattern in patterns:
            star = pattern.find("*")
            if star < 0 and "?" not in pattern:
                exact.add(pattern)
            elif star == len(pattern) - 1 and "?" not in pattern:
                prefixes.append(pattern[:-1])
            else:
                others.append(pattern)
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)
        self._others = tuple(others)
        self._regex: re.Pattern[str] | None = None

    def matches(self, resource: str) -> bool:
        if resource in self.exact:
            return True
        if self.prefixes and resource.startswith(self.prefixes):
            return True
        if not self._others:
            return False
        if self._regex is None:
            self._regex = compile_arn_patterns(self._others)
        return self._regex.fullmatch(resource) is not None


class GlobPattern:
    """A ``StringLike`` value (``*`` and ``?``, case-sensitive) with the same shortcuts as
    ``ArnPatterns``: exact text and a final-``*`` prefix need no regex; other patterns
    are compiled on first use. ``fullmatch`` mirrors ``re.Pattern.fullmatch``."""

    __slots__ = ("_regex", "exact", "pattern", "prefix")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        plain = "?" not in pattern
        star = pattern.find("*")
        self.exact = pattern if plain and star < 0 else None
        self.prefix = pattern[:-1] if plain and star == len(pattern) - 1 else None
        self._regex: re.Pattern[str] | None = None

    def fullmatch(self, text: str) -> bool:
        if self.exact is not None:
            return text == self.exact
        if self.prefix is not None:
            return text.startswith(self.prefix)
        if self._regex is None:
            self._regex = compile_string_like(self.pattern)
        return self._regex.fullmatch(text) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


def resource_matches(pattern: str, resource: str) -> bool:
    """Whether one variable-free Resource pattern matches a resource ARN."""
    return compile_arn_patterns((pattern,)).fullmatch(resource) is not None


@lru_cache(maxsize=16384)
def compile_string_like(pattern: str) -> re.Pattern[str]:
    """``StringLike`` glob: ``*`` and ``?`` match any characters, case-sensitive."""
    return re.compile(_glob_source(pattern, ".*", "."), re.DOTALL)


class GrantKind(IntEnum):
    """How a resource-based policy statement names the requesting principal.

    The kind decides which implicit denies can still limit the grant within one account
    ("Policy evaluation logic", resource-based policies and implicit denies): a grant to
    the exact user / session ARN or to everyone (``*``) stands alone, a grant to the role
    ARN is limited by the boundary and session policy, a grant to the account delegates
    to the account's identity-based policies.
    """

    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


_ROOT_RE = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")
_ROLE_RE = re.compile(r"^arn:[^:]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$")


@dataclass(frozen=True, slots=True)
class PrincipalMatcher:
    """A compiled Principal / NotPrincipal element."""

    wildcard: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    roles: frozenset[tuple[str, str]]
    services: frozenset[str]
    federated: frozenset[str]
    canonical: frozenset[str]

    @classmethod
    def build(
        cls,
        *,
        wildcard: bool,
        aws: Iterable[str] = (),
        service: Iterable[str] = (),
        federated: Iterable[str] = (),
        canonical_user: Iterable[str] = (),
    ) -> PrincipalMatcher:
        accounts: set[str] = set()
        arns: set[str] = set()
        roles: set[tuple[str, str]] = set()
        for value in aws:
            if value == "*":
                wildcard = True
            elif value.isdigit() and len(value) == 12:
                accounts.add(value)
            elif m := _ROOT_RE.match(value):
                accounts.add(m.group(1))
            elif m := _ROLE_RE.match(value):
                roles.add((m.group(1), m.group(2)))
            else:
                arns.add(value)
        return cls(
            wildcard,
            frozenset(accounts),
            frozenset(arns),
            frozenset(roles),
            frozenset(s.lower() for s in service),
            frozenset(federated),
            frozenset(canonical_user),
        )

    def grant(self, who: PrincipalInfo) -> GrantKind | None:
        """The strongest way this element names ``who``, or ``None``."""
        if self.wildcard:
            return GrantKind.DIRECT
        kind = who.kind
        if kind is PrincipalKind.SERVICE:
            return GrantKind.DIRECT if who.name in self.services else None
        if kind is PrincipalKind.FEDERATED:
            return GrantKind.DIRECT if who.raw in self.federated else None
        if kind is PrincipalKind.CANONICAL_USER:
            return GrantKind.DIRECT if who.raw in self.canonical else None
        if kind is PrincipalKind.ANONYMOUS:
            return None
        if who.arn in self.arns and kind is not PrincipalKind.ROOT:
            return GrantKind.DIRECT
        if who.role_name is not None and (who.account, who.role_name) in self.roles:
            return GrantKind.ROLE
        if who.account in self.accounts:
            return GrantKind.ACCOUNT
        return None

    def names_whole_chain(self, who: PrincipalInfo) -> bool:
        """Whether every identity in ``who``'s chain (session, role, account) is named.

        "IAM JSON policy elements: NotPrincipal": AWS may check the account, then the
        role, then the session, so a ``Deny`` with ``NotPrincipal`` only spares a
        principal when all of them are listed.
        """
        if self.wildcard:
            return True
        chain = _chain(who)
        return bool(chain) and all(self._names(item) for item in chain)

    def names_any_of_chain(self, who: PrincipalInfo) -> bool:
        """Whether any identity in ``who``'s chain is named (used for Allow+NotPrincipal)."""
        if self.wildcard:
            return True
        return any(self._names(item) for item in _chain(who))

    def _names(self, item: tuple[str, str]) -> bool:
        tag, value = item
        if tag == "account":
            return value in self.accounts
        if tag == "role":
            account, _, name = value.partition("/")
            return (account, name) in self.roles
        if tag == "service":
            return value in self.services
        if tag == "federated":
            return value in self.federated
        if tag == "canonical":
            return value in self.canonical
        return value in self.arns


def _chain(who: PrincipalInfo) -> list[tuple[str, str]]:
    kind = who.kind
    if kind is PrincipalKind.SERVICE:
        return [("service", who.name or "")]
    if kind is PrincipalKind.FEDERATED:
        return [("federated", who.raw)]
    if kind is PrincipalKind.CANONICAL_USER:
        return [("canonical", who.raw)]
    if kind is PrincipalKind.ANONYMOUS or who.account is None:
        return []
    chain: list[tuple[str, str]] = []
    if kind in (PrincipalKind.USER, PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER):
        chain.append(("arn", who.arn or ""))
    if who.role_name is not None:
        chain.append(("role", f"{who.account}/{who.role_name}"))
    chain.append(("account", who.account))
    return chain
