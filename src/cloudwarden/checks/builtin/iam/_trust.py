"""Who can assume a role: reading trust policies the way STS evaluates them.

A trust statement lets principals call ``sts:AssumeRole`` (or the SAML / web-identity
variants). Three shapes hand a role to strangers:

* ``"Principal": "*"`` / ``{"AWS": "*"}`` (or an account wildcard such as
  ``arn:aws:iam::*:root``), or ``Allow`` with ``NotPrincipal``: any AWS identity in
  any account, unless the statement's condition pins the caller to fixed values of an
  identifying key (``aws:PrincipalOrgID``, ``aws:PrincipalAccount``, ``aws:PrincipalArn``,
  ``aws:SourceAccount``, ``sts:ExternalId`` ...).
* A web-identity (OIDC) provider without a condition on the token's subject
  (``<provider>:sub``): every identity that provider issues tokens for, e.g. every
  GitHub repository in the world. Amazon Cognito identity pools are pinned by
  ``cognito-identity.amazonaws.com:aud`` (the identity pool id) instead.
* Another AWS account outside the organisation without ``sts:ExternalId``: the
  classic confused-deputy setup for third-party access.

Condition semantics: the entries of one ``Condition`` block are ANDed, so one
pinning entry suffices; ``...IfExists`` and ``ForAllValues:`` operators are true when
the key is absent and so pin nothing; negated operators pin nothing; a value pins
only if it is fixed (no policy variable, and any wildcard comes after a ``/``, as in
``repo:my-org/*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from cloudwarden.checks.builtin.iam._policy import as_list, is_allow, sid, statements
from cloudwarden.inventory.snapshot import Snapshot

PINNING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:userid",
        "sts:externalid",
    }
)
_POSITIVE = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)
_ASSUME_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
)
_COGNITO = "cognito-identity.amazonaws.com"
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class TrustedPrincipal:
    """One principal an ``Allow`` trust statement names, with the keys its condition pins."""

    sid: str
    kind: str  # AWS, Federated, Service, CanonicalUser, NotPrincipal
    value: str
    pinned: frozenset[str]


def grants_assume(statement: dict[str, Any]) -> bool:
    if "NotAction" in statement:
        return True
    actions = [str(a).lower() for a in as_list(statement.get("Action"))]
    return any(fnmatchcase(name, a) for a in actions for name in _ASSUME_ACTIONS)


def pinned_keys(condition: Any) -> frozenset[str]:
    """Condition keys (lower case) that a positive operator binds to fixed values."""
    found: set[str] = set()
    if not isinstance(condition, dict):
        return frozenset()
    for operator, entries in condition.items():
        op = str(operator).lower()
        if op.endswith("ifexists") or op.startswith("forallvalues:"):
            continue
        if op.removeprefix("foranyvalue:") not in _POSITIVE or not isinstance(entries, dict):
            continue
        for key, values in entries.items():
            if values is not None and all(_fixed(str(v)) for v in as_list(values)):
                found.add(str(key).lower())
    return frozenset(found)


def _fixed(value: str) -> bool:
    if not value or "${" in value:
        return False
    first = min((i for i in (value.find("*"), value.find("?")) if i >= 0), default=-1)
    return first < 0 or "/" in value[:first]


def trusted_principals(document: Any) -> Iterator[TrustedPrincipal]:
    """Every principal of every ``Allow`` statement that grants an assume action."""
    for index, stmt in enumerate(statements(document)):
        if not is_allow(stmt) or not grants_assume(stmt):
            continue
        pinned = pinned_keys(stmt.get("Condition"))
        name = sid(stmt, index)
        if "NotPrincipal" in stmt:
            yield TrustedPrincipal(name, "NotPrincipal", "*", pinned)
        principal = stmt.get("Principal")
        if principal == "*":
            principal = {"AWS": "*"}
        if not isinstance(principal, dict):
            continue
        for kind, values in principal.items():
            for value in as_list(values):
                yield TrustedPrincipal(name, str(kind), str(value), pinned)


def account_of(principal: str) -> str | None:
    """The account an AWS principal belongs to (``*`` for wildcards), or None."""
    if principal == "*":
        return "*"
    if _ACCOUNT.match(principal):
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        return "*" if "*" in parts[4] or "?" in parts[4] else parts[4]
    return None


def open_trust(p: TrustedPrincipal) -> str | None:
    """Why this trusted principal opens the role to anyone, or None."""
    if p.kind in ("AWS", "NotPrincipal") and account_of(p.value) == "*":
        if p.pinned & PINNING_KEYS:
            return None
        what = "NotPrincipal (everyone but the listed)" if p.kind == "NotPrincipal" else p.value
        return f"statement {p.sid} trusts {what} with no condition pinning the caller"
    if p.kind == "Federated" and ":saml-provider/" not in p.value:
        provider = p.value.split(":oidc-provider/", 1)[-1].lower()
        needed = f"{provider}:aud" if provider == _COGNITO else f"{provider}:sub"
        if needed not in p.pinned:
            return (
                f"statement {p.sid} trusts web identities from {provider} "
                f"with no condition on {needed}"
            )
    return None


def open_trust_reasons(document: Any) -> list[str]:
    return [r for p in trusted_principals(document) if (r := open_trust(p))]


def organisation_accounts(snapshot: Snapshot, account: str) -> set[str]:
    """Accounts known to share ``account``'s organisation (always including itself)."""
    inside = {account}
    org_id = ""
    for org in snapshot.of_type("AWS::Organizations::Organization", account=account):
        org_id = str(org.data.get("Id", ""))
        inside.add(str(org.data.get("MasterAccountId", "")))
    listed = snapshot.of_type("AWS::Organizations::Account")
    if org_id:
        inside |= {a.id for a in listed if f"/{org_id}/" in a.arn}
    summary = snapshot.organization
    scanned = {a.id for a in snapshot.accounts}
    if summary and account in scanned and (not org_id or summary.get("id") == org_id):
        inside |= scanned
        inside.add(str(summary.get("management_account", "")))
    inside.discard("")
    return inside
