"""The "IAM analysis" section of the HTML report: the escalation paths drawn as a graph
(SVG, columns by hops left to an admin), then the paths hop by hop, the effective
admins, the cross-account trusts and the risky capabilities."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from jinja2 import Environment

from cloudwarden.iam.analysis.records import ADMIN, Analysis, Edge, EscalationPath
from cloudwarden.report import HtmlSection

__all__ = ["analysis_section"]

_COLUMN = 240
_ROW = 46
_NODE_W = 200
_NODE_H = 28
_MAX_PATHS = 60

_TEMPLATE = """\
<p>{{ admins|length }} effective admin{{ '' if admins|length == 1 else 's' }},
{{ paths|length }} principal{{ '' if paths|length == 1 else 's' }} with a path to admin,
{{ edges }} escalation edges from {{ techniques }} techniques; every permission decided by
the policy engine (boundaries, SCPs, denies and conditions included).</p>
{% if nodes %}
<svg xmlns="http://www.w3.org/2000/svg" width="{{ width }}" height="{{ height }}"
 viewBox="0 0 {{ width }} {{ height }}" role="img" aria-label="privilege-escalation paths"
 style="font: 11px sans-serif">
<defs><marker id="cw-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6"
 markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>
{% for l in lines %}<line x1="{{ l.x1 }}" y1="{{ l.y1 }}" x2="{{ l.x2 }}" y2="{{ l.y2 }}"
 stroke="#888" marker-end="url(#cw-arrow)"/>
<text x="{{ (l.x1 + l.x2) // 2 }}" y="{{ (l.y1 + l.y2) // 2 - 4 }}" text-anchor="middle"
 fill="#555">{{ l.label }}</text>
{% endfor %}{% for n in nodes %}<g><title>{{ n.arn }}</title>
<rect x="{{ n.x }}" y="{{ n.y }}" width="{{ node_w }}" height="{{ node_h }}" rx="5"
 fill="{{ '#c0392b' if n.admin else '#eef' }}" stroke="#557"/>
<text x="{{ n.x + 8 }}" y="{{ n.y + 18 }}" fill="{{ '#fff' if n.admin else '#222' }}">{{ n.label }}</text></g>
{% endfor %}</svg>
{% if truncated %}<p>The graph shows the first {{ max_paths }} paths.</p>{% endif %}
{% endif %}
<h3>Escalation paths</h3>
<table>
<thead><tr><th>principal</th><th>hop</th><th>technique</th><th>to</th>
<th>permissions (and the statements that allow them)</th></tr></thead>
<tbody>
{% for p in paths %}{% for h in p.hops %}<tr>
<td>{% if loop.first %}<code>{{ p.principal }}</code>{% endif %}</td><td>{{ loop.index }}</td>
<td><code>{{ h.technique }}</code></td><td><code>{{ h.target }}</code></td>
<td>{% for perm in h.permissions %}<code>{{ perm.action }}</code> on <code>{{ perm.resource }}</code>
 ← {{ perm.statements }}<br>{% endfor %}</td></tr>
{% endfor %}{% endfor %}</tbody>
</table>
<h3>Effective admins</h3>
<table><thead><tr><th>principal</th><th>granted by</th></tr></thead><tbody>
{% for a in admins %}<tr><td><code>{{ a.principal }}</code></td><td>{{ a.statements | join(', ') }}</td></tr>
{% endfor %}</tbody></table>
<h3>Cross-account and open trusts</h3>
<table><thead><tr><th>role</th><th>trusts</th><th>kind</th><th>conditions</th></tr></thead><tbody>
{% for t in trusts %}<tr><td><code>{{ t.role }}</code></td><td><code>{{ t.trusted }}</code></td>
<td>{{ t.kind }}</td><td>{{ 'yes' if t.conditional else 'no' }}</td></tr>
{% endfor %}</tbody></table>
<h3>Risky capabilities</h3>
<table><thead><tr><th>category</th><th>principals</th></tr></thead><tbody>
{% for c, n in risky %}<tr><td>{{ c }}</td><td>{{ n }}</td></tr>{% endfor %}
</tbody></table>
"""
_ENV = Environment(autoescape=True, keep_trailing_newline=True)


@dataclass
class _Node:
    arn: str
    label: str
    admin: bool
    x: int = 0
    y: int = 0


def _short(arn: str) -> str:
    text = "admin" if arn == ADMIN else arn.rsplit(":", 1)[-1]
    return text if len(text) <= 30 else text[:29] + "…"


def _layout(paths: list[EscalationPath]) -> tuple[list[_Node], list[dict[str, object]], int, int]:
    """Columns by hops left to the admin at the end of the path (admins on the right)."""
    left: dict[str, int] = {}
    edges: dict[tuple[str, str], Edge] = {}
    for path in paths:
        for i, hop in enumerate(path.hops):
            left[hop.source] = max(left.get(hop.source, 0), len(path.hops) - i)
            left.setdefault(hop.target, 0)
            edges[(hop.source, hop.target)] = hop
    depth = max(left.values(), default=0)
    columns: dict[int, list[str]] = {}
    for node in sorted(left):
        columns.setdefault(depth - left[node], []).append(node)
    nodes: dict[str, _Node] = {}
    for col, members in columns.items():
        for row, arn in enumerate(members):
            admin = left[arn] == 0
            nodes[arn] = _Node(arn, _short(arn), admin, 10 + col * _COLUMN, 10 + row * _ROW)
    lines = [
        {
            "x1": nodes[s].x + _NODE_W,
            "y1": nodes[s].y + _NODE_H // 2,
            "x2": nodes[t].x,
            "y2": nodes[t].y + _NODE_H // 2,
            "label": e.technique.split("-", 1)[0],
        }
        for (s, t), e in edges.items()
    ]
    width = 20 + (depth + 1) * _COLUMN
    height = 20 + max((len(m) for m in columns.values()), default=0) * _ROW
    return list(nodes.values()), lines, width, height


def _hops(path: EscalationPath) -> list[dict[str, object]]:
    return [
        {
            "technique": h.technique,
            "target": h.target,
            "permissions": [
                {"action": a, "resource": r, "statements": s}
                for (a, r), s in zip(h.permissions, h.statements, strict=False)
            ],
        }
        for h in path.hops
    ]


def analysis_section(analysis: Analysis) -> HtmlSection:
    """The HTML report section for one analysis."""
    drawn = analysis.paths[:_MAX_PATHS]
    nodes, lines, width, height = _layout(drawn)
    html = _ENV.from_string(_TEMPLATE).render(
        admins=analysis.admins,
        paths=[{"principal": p.principal, "hops": _hops(p)} for p in analysis.paths],
        edges=len(analysis.edges),
        techniques=len(analysis.techniques),
        nodes=nodes,
        lines=lines,
        width=width,
        height=height,
        node_w=_NODE_W,
        node_h=_NODE_H,
        truncated=len(analysis.paths) > _MAX_PATHS,
        max_paths=_MAX_PATHS,
        trusts=[t for t in analysis.role_graph if t.cross_account],
        risky=sorted(Counter(r.category for r in analysis.risky).items()),
    )
    return HtmlSection(title="IAM analysis", html=html, id="iam-analysis")
