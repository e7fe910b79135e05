"""The escalation graph: edges from every technique rule, and the shortest path from each
principal to an admin.

Nodes are principal ARNs plus ``"admin"`` (the actor itself became an admin). Edges are
computed for the analysed principals and, when a path leaves them (a cross-account
role), for the principals it reaches. An effective admin has no outgoing edges: it
needs none. Paths come from one breadth-first search backwards from every admin, so
each principal gets a shortest path (fewest hops; ties broken by edge order).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from cloudwarden.iam.analysis.oracle import Oracle
from cloudwarden.iam.analysis.records import ADMIN, Edge, EscalationPath
from cloudwarden.iam.analysis.targets import Targets
from cloudwarden.iam.analysis.techniques import Technique
from cloudwarden.model import Resource

__all__ = ["build_edges", "explain_edges", "shortest_paths"]


def _edges_of(t: Targets, who: Resource, techniques: Sequence[Technique]) -> list[Edge]:
    out: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    for tech in techniques:
        for found in tech.find(t, who):
            if (found.target, tech.id) in seen or found.target == who.arn:
                continue
            seen.add((found.target, tech.id))
            out.append(
                Edge(
                    source=who.arn,
                    target=found.target,
                    technique=tech.id,
                    permissions=[(a, r) for a, r, _ in found.steps],
                    note=found.note,
                    contexts=[dict(c or {}) for _, _, c in found.steps],
                )
            )
    return out


def explain_edges(oracle: Oracle, edges: Iterable[Edge]) -> None:
    """Name the statements behind every permission of ``edges`` (explained decisions cost
    more than plain ones, so this runs for the edges that are reported hop by hop)."""
    known = {r.arn: r for r in (*oracle.users, *oracle.roles)}
    for edge in edges:
        who = known.get(edge.source)
        if who is None or edge.statements:
            continue
        contexts = edge.contexts or [{} for _ in edge.permissions]
        edge.statements = [
            oracle.statements(who, a, r, c or None)
            for (a, r), c in zip(edge.permissions, contexts, strict=False)
        ]


def build_edges(
    t: Targets, principals: Iterable[Resource], techniques: Sequence[Technique]
) -> list[Edge]:
    """Edges from ``principals`` and from every principal their edges reach."""
    o = t.oracle
    known = {r.arn: r for r in (*o.users, *o.roles)}
    queue = deque(principals)
    done: set[str] = set()
    edges: list[Edge] = []
    while queue:
        who = queue.popleft()
        if who.arn in done:
            continue
        done.add(who.arn)
        if o.is_admin(who):
            continue
        for edge in _edges_of(t, who, techniques):
            edges.append(edge)
            nxt = known.get(edge.target)
            if nxt is not None and nxt.arn not in done:
                queue.append(nxt)
    return edges


def shortest_paths(
    edges: Sequence[Edge], admins: set[str], sources: Iterable[str]
) -> list[EscalationPath]:
    """For each source that is not an admin, the shortest chain of edges to an admin."""
    incoming: dict[str, list[Edge]] = {}
    for edge in edges:
        incoming.setdefault(edge.target, []).append(edge)
    goals = {ADMIN, *admins}
    step: dict[str, Edge | None] = dict.fromkeys(goals)
    queue = deque(sorted(goals))
    while queue:
        node = queue.popleft()
        for edge in incoming.get(node, []):
            if edge.source not in step:
                step[edge.source] = edge
                queue.append(edge.source)
    paths: list[EscalationPath] = []
    for source in sources:
        if source in goals or step.get(source) is None:
            continue
        hops: list[Edge] = []
        node = source
        hop = step.get(node)
        while hop is not None:
            hops.append(hop)
            node = hop.target
            hop = step.get(node)
        paths.append(EscalationPath(source, hops, node))
    return paths
