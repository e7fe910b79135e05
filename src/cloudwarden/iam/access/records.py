"""The records external-access analysis produces: who can act, and the proof.

A ``Witness`` is a request the engine allows; an ``ExternalAccess`` groups what one
class of outsiders may do; a ``ResourceAccess`` is the answer for one resource, with
the reasons (``unknown``) an absence of access could not be proven exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cloudwarden.iam.request import ContextValue, Request

__all__ = ["ExternalAccess", "Organization", "ResourceAccess", "Scope", "Witness"]

Scope = Literal["public", "outside_org", "in_org"]


@dataclass(frozen=True, slots=True)
class Organization:
    """The resource's organisation as the snapshot records it: its id, member accounts
    and each member's ``aws:PrincipalOrgPaths`` value."""

    id: str | None = None
    members: frozenset[str] = frozenset()
    paths: Mapping[str, str] = field(default_factory=dict)

    def path_of(self, account: str) -> str:
        """The account's path, or for an account the snapshot does not place, the path
        of the organisation's root."""
        if account in self.paths:
            return self.paths[account]
        root = next((p.split("/")[1] for p in self.paths.values() if p.count("/") >= 2), "r-root")
        return f"{self.id}/{root}/"


@dataclass(frozen=True, slots=True)
class Witness:
    """A request the engine allows: the proof of one access."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, ContextValue]

    def request(self, resource_account: str | None = None) -> Request:
        return Request(self.principal, self.action, self.resource, dict(self.context),
                       resource_account=resource_account)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        context = {k: v if isinstance(v, str) else list(v) for k, v in self.context.items()}
        return {"principal": self.principal, "action": self.action,
                "resource": self.resource, "context": context}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExternalAccess:
    """One class of outsiders (``grantee``) and what it may do.

    ``conditions`` lists the context keys to which the witness had to give a value the
    policy names (a VPC endpoint, an address range, a source ARN): empty means the
    access needs nothing but being that outsider."""

    scope: Scope
    grantee: str
    actions: tuple[str, ...]
    witness: Witness
    conditions: tuple[str, ...] = ()
    via: str = "policy"

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "grantee": self.grantee, "via": self.via,
                "actions": list(self.actions), "conditions": list(self.conditions),
                "witness": self.witness.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ResourceAccess:
    """The answer for one resource. ``unknown`` holds the reasons why the *absence* of
    some access could not be proven exactly (found accesses are always proven)."""

    arn: str
    resource_type: str
    account: str
    region: str
    accesses: tuple[ExternalAccess, ...] = ()
    unknown: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    requests: int = 0

    def scoped(self, scope: Scope) -> tuple[ExternalAccess, ...]:
        return tuple(a for a in self.accesses if a.scope == scope)

    def to_dict(self) -> dict[str, Any]:
        return {"arn": self.arn, "resource_type": self.resource_type,
                "account": self.account, "region": self.region,
                "accesses": [a.to_dict() for a in self.accesses],
                "unknown": list(self.unknown), "notes": list(self.notes),
                "requests": self.requests}  # fmt: skip
