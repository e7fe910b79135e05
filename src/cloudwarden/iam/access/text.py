"""Plain-text rendering of an access analysis for ``cloudwarden iam access``."""

from __future__ import annotations

from cloudwarden.iam.access.records import ExternalAccess, ResourceAccess
from cloudwarden.iam.access.scan import AccessAnalysis

__all__ = ["render_text"]


def _witness(a: ExternalAccess) -> str:
    w = a.witness
    context = " ".join(
        f"{k}={v if isinstance(v, str) else ','.join(v)}" for k, v in sorted(w.context.items())
    )
    return f"{w.principal} {w.action} {w.resource}" + (f" [{context}]" if context else "")


def _resource_lines(r: ResourceAccess) -> list[str]:
    lines = [f"{r.arn}  ({r.resource_type}, account {r.account})"]
    for a in r.accesses:
        shown = ", ".join(a.actions[:6]) + (
            f" … (+{len(a.actions) - 6})" if len(a.actions) > 6 else ""
        )
        needs = f"  needs: {', '.join(a.conditions)}" if a.conditions else ""
        via = " via ACL" if a.via == "acl" else ""
        lines.append(f"  {a.scope:<11} {a.grantee}{via}: {shown}{needs}")
        lines.append(f"              witness: {_witness(a)}")
    lines += [f"  unknown     {u}" for u in r.unknown]
    lines += [f"  note        {n}" for n in r.notes]
    return lines


def render_text(analysis: AccessAnalysis) -> str:
    """Resources with access from outside or an undecided answer, then unused access."""
    out = ["External access"]
    shown = [r for r in analysis.external if r.accesses or r.unknown]
    for r in shown:
        out += _resource_lines(r)
    quiet = len(analysis.external) - len(shown)
    out.append(f"({quiet} more resource(s) analysed: no access from outside the account)")
    out.append("")
    out.append(f"Unused for {analysis.days} days or more")
    idle = [u for u in analysis.unused if u.unused]
    for u in idle:
        out.append(f"  {u.kind:<10} {u.name}  ({u.account}): {u.reason}")
    if not idle:
        out.append("  none")
    undecided = [u for u in analysis.unused if u.idle_days is None]
    for u in undecided:
        out.append(f"  unknown    {u.name}  ({u.account}): {u.reason}")
    return "\n".join(out) + "\n"
