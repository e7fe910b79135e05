"""The analysis as plain text: admins, each escalation path hop by hop with the
statements behind every permission, the role-assumption graph and risky capabilities."""

from __future__ import annotations

from collections import Counter

from cloudwarden.iam.analysis.records import ADMIN, Analysis, Edge

__all__ = ["render_text"]


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1] if arn.startswith("arn:") else arn


def _hop(edge: Edge) -> list[str]:
    target = "admin" if edge.target == ADMIN else _name(edge.target)
    note = f" ({edge.note})" if edge.note else ""
    lines = [f"    {_name(edge.source)} --[{edge.technique}]--> {target}{note}"]
    for (action, resource), statements in zip(edge.permissions, edge.statements, strict=False):
        lines.append(f"        {action} on {resource}  <- {statements or '?'}")
    return lines


def render_text(analysis: Analysis) -> str:
    out = [
        f"IAM analysis of {', '.join(analysis.accounts) or 'no account'}: "
        f"{len(analysis.admins)} effective admin(s), {len(analysis.paths)} escalation path(s), "
        f"{len(analysis.edges)} edge(s) from {len(analysis.techniques)} techniques, "
        f"{analysis.seconds:.1f}s",
    ]
    out += [f"warning: {w}" for w in analysis.warnings]
    out.append("")
    out.append("Effective admins")
    for admin in analysis.admins:
        out.append(f"  {admin.principal}  <- {', '.join(admin.statements) or '?'}")
    if not analysis.admins:
        out.append("  none")
    out.append("")
    out.append("Privilege-escalation paths")
    for path in analysis.paths:
        reaches = "admin" if path.reaches == ADMIN else path.reaches
        out.append(f"  {path.principal} reaches {reaches} in {len(path.hops)} hop(s)")
        for hop in path.hops:
            out += _hop(hop)
    if not analysis.paths:
        out.append("  none")
    out.append("")
    out.append("Role-assumption graph")
    for trust in analysis.role_graph:
        flags = [f for f, on in (("cross-account", trust.cross_account),
                                 ("conditional", trust.conditional)) if on]  # fmt: skip
        decided = "" if trust.allowed is None else (" allowed" if trust.allowed else " denied")
        extra = f" [{', '.join(flags)}]" if flags else ""
        out.append(f"  {trust.trusted} ({trust.kind}) -> {_name(trust.role)}{extra}{decided}")
    if not analysis.role_graph:
        out.append("  none")
    out.append("")
    out.append("Risky capabilities (actions allowed on *)")
    counts = Counter(r.category for r in analysis.risky)
    for category, n in sorted(counts.items()):
        out.append(f"  {category}: {n} principal(s)")
    for risk in analysis.risky:
        sample = ", ".join(risk.actions[:4]) + (" …" if risk.count > 4 else "")
        out.append(f"    {_name(risk.principal)} {risk.category}: {risk.count} ({sample})")
    return "\n".join(out) + "\n"
