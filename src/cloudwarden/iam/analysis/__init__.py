"""Account analysis: effective admins, privilege-escalation paths, the role-assumption
graph and risky capabilities, every permission decided by the policy engine.

```python
from cloudwarden.iam.analysis import analyze, load_authorization_details

data = load_authorization_details("auth-details.json")   # or account_data_from_snapshot(s)
analysis = analyze(data)
for path in analysis.paths:
    print(path.principal, "->", path.reaches, [h.technique for h in path.hops])
```

See docs/iam-analysis.md for the technique table and the rules the analysis follows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from cloudwarden.iam.analysis.admins import find_admins
from cloudwarden.iam.analysis.data import (
    AccountData,
    AuthorizationDetailsError,
    account_data_from_snapshot,
    load_authorization_details,
)
from cloudwarden.iam.analysis.findings import analysis_findings
from cloudwarden.iam.analysis.graph import build_edges, explain_edges, shortest_paths
from cloudwarden.iam.analysis.oracle import ADMIN_ACTIONS, Oracle
from cloudwarden.iam.analysis.records import (
    ADMIN,
    AdminGrant,
    Analysis,
    Edge,
    EscalationPath,
    RiskyCapability,
    TrustEdge,
)
from cloudwarden.iam.analysis.risky import CATEGORIES, find_risky
from cloudwarden.iam.analysis.targets import Targets
from cloudwarden.iam.analysis.techniques import TECHNIQUES, Technique, technique
from cloudwarden.iam.analysis.trust import TrustIndex
from cloudwarden.model import Resource

__all__ = [
    "ADMIN",
    "ADMIN_ACTIONS",
    "CATEGORIES",
    "TECHNIQUES",
    "AccountData",
    "AdminGrant",
    "Analysis",
    "AuthorizationDetailsError",
    "Edge",
    "EscalationPath",
    "RiskyCapability",
    "Technique",
    "TrustEdge",
    "account_data_from_snapshot",
    "analysis_findings",
    "analyze",
    "load_authorization_details",
    "technique",
]


def analyze(
    data: AccountData, *, techniques: Sequence[str] | None = None, risky: bool = True
) -> Analysis:
    """Analyse the principals of ``data``.

    ``techniques`` limits the edge rules (ids, ``R<row>`` or action-style names);
    by default every rule whose resource types the data can hold runs. ``risky=False``
    skips the risky-capability pass.
    """
    started = time.perf_counter()
    oracle = Oracle(data)
    trust = TrustIndex(oracle)
    targets = Targets(oracle, trust)
    chosen = [technique(k) for k in techniques] if techniques is not None else list(TECHNIQUES)
    chosen = [t for t in chosen if all(targets.covers(n) for n in t.needs)]
    principals = data.principals()
    admins = find_admins(oracle, principals)
    edges = build_edges(targets, principals, chosen)
    admin_arns = {a.principal for a in admins}
    admin_arns |= {
        e.target
        for e in edges
        if e.target != ADMIN and oracle.is_admin(_principal(oracle, e.target))
    }
    paths = shortest_paths(edges, admin_arns, [p.arn for p in principals])
    explain_edges(oracle, (hop for path in paths for hop in path.hops))
    scope = set(data.accounts)
    role_graph = [e for e in trust.edges if _account(e.role) in scope]
    found_risky = find_risky(oracle, principals, paths) if risky else []
    return Analysis(
        admins=admins,
        paths=paths,
        edges=edges,
        role_graph=role_graph,
        risky=found_risky,
        accounts=data.accounts,
        techniques=tuple(t.id for t in chosen),
        warnings=list(data.warnings),
        seconds=time.perf_counter() - started,
    )


def _principal(oracle: Oracle, arn: str) -> Resource:
    return oracle.accounts.data.principal(arn)


def _account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""
