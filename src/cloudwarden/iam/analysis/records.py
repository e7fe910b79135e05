"""The records an analysis produces: admins, edges, paths, trusts, risky capabilities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "ADMIN",
    "AdminGrant",
    "Analysis",
    "Edge",
    "EscalationPath",
    "RiskyCapability",
    "TrustEdge",
]

ADMIN = "admin"


@dataclass
class AdminGrant:
    """A principal that is already an effective admin, and the statements that make it one."""

    principal: str
    account: str
    statements: list[str]


@dataclass
class Edge:
    """``source`` can act as ``target`` (a principal ARN), or become an admin itself
    (``target == "admin"``), through one technique of the catalogue.

    ``permissions`` are the (action, resource) pairs the engine allowed; ``contexts`` the
    request-context keys the technique set for each (``iam:PassedToService``, …);
    ``statements`` name, per permission in the same order, the policy statements that
    granted it (filled for the edges of the reported paths).
    """

    source: str
    target: str
    technique: str
    permissions: list[tuple[str, str]]
    statements: list[str] = field(default_factory=list)
    note: str = ""
    contexts: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["permissions"] = [list(p) for p in self.permissions]
        return out


@dataclass
class EscalationPath:
    """The shortest chain of edges from ``principal`` to an admin; ``reaches`` is the admin
    principal at the end, or ``"admin"`` when the last hop makes the actor an admin."""

    principal: str
    hops: list[Edge]
    reaches: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "reaches": self.reaches,
            "hops": [h.to_dict() for h in self.hops],
        }


@dataclass
class TrustEdge:
    """One principal a role's trust policy names, for ``sts:AssumeRole`` (or the SAML /
    web-identity variants). ``kind`` is ``principal``, ``account``, ``service``,
    ``federated`` or ``everyone``; ``allowed`` says whether the engine allowed the
    assumption for a principal of the data (only for ``principal`` / ``account`` edges
    resolved to a known principal, then ``source`` is that principal)."""

    role: str
    trusted: str
    kind: str
    action: str
    cross_account: bool
    conditional: bool
    source: str = ""
    allowed: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RiskyCapability:
    """A principal allowed actions of one risk category on every resource (``*``)."""

    principal: str
    category: str
    actions: list[str]
    count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Analysis:
    admins: list[AdminGrant]
    paths: list[EscalationPath]
    edges: list[Edge]
    role_graph: list[TrustEdge]
    risky: list[RiskyCapability]
    accounts: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "accounts": list(self.accounts),
            "techniques": list(self.techniques),
            "admins": [asdict(a) for a in self.admins],
            "paths": [p.to_dict() for p in self.paths],
            "edges": [e.to_dict() for e in self.edges],
            "role_graph": [t.to_dict() for t in self.role_graph],
            "risky": [r.to_dict() for r in self.risky],
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }
