"""The "Alerts" section the demo adds to the HTML report: what detection raised on the
simulated incidents, and whether every scenario was caught by the rules it declares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from jinja2 import Environment

from cloudwarden.detect.run import Alert
from cloudwarden.lab.attacks.scenarios import Scenario
from cloudwarden.report import HtmlSection

__all__ = ["alerts_section"]

_TEMPLATE = """\
<p>{{ total }} alert{{ '' if total == 1 else 's' }} from {{ rules }} rules over the simulated
CloudTrail and VPC Flow Logs delivered into the lab's log buckets
({{ sources | join(', ') }}).</p>
<table>
<thead><tr>{% for sev, n in severities %}<th>{{ sev }}</th>{% endfor %}</tr></thead>
<tbody><tr>{% for sev, n in severities %}<td>{{ n }}</td>{% endfor %}</tr></tbody>
</table>
<h3>Scenarios</h3>
<table>
<thead><tr><th>scenario</th><th>account</th><th>rules it must raise</th><th>caught</th></tr></thead>
<tbody>
{% for s in scenarios %}<tr><td>{{ s.title }}</td><td>{{ s.account }}</td>
<td>{{ s.rules | join(', ') }}</td>
<td>{% if s.missed %}missed: {{ s.missed | join(', ') }}{% elif s.unavailable %}not in this build: {{ s.unavailable | join(', ') }}{% else %}yes{% endif %}</td></tr>
{% endfor %}</tbody>
</table>
<h3>Rules that raised alerts</h3>
<table>
<thead><tr><th>severity</th><th>rule</th><th>title</th><th>alerts</th><th>accounts</th>
<th>first</th><th>last</th></tr></thead>
<tbody>
{% for r in rows %}<tr><td>{{ r.severity }}</td><td><code>{{ r.id }}</code></td>
<td>{{ r.title }}</td><td>{{ r.count }}</td><td>{{ r.accounts | join(', ') }}</td>
<td>{{ r.first }}</td><td>{{ r.last }}</td></tr>
{% endfor %}</tbody>
</table>
"""
_ENV = Environment(autoescape=True, keep_trailing_newline=True)


def _rows(alerts: Sequence[Alert]) -> list[dict[str, object]]:
    groups: dict[str, list[Alert]] = {}
    for a in alerts:
        groups.setdefault(a.rule_id, []).append(a)
    rows: list[dict[str, object]] = []
    for rid, items in groups.items():
        times = sorted(a.event_time for a in items)
        rows.append(
            {
                "id": rid,
                "title": items[0].title,
                "severity": items[0].severity.value,
                "rank": items[0].severity.rank,
                "count": len(items),
                "accounts": sorted({a.account for a in items if a.account}),
                "first": times[0].strftime("%Y-%m-%d %H:%M:%SZ"),
                "last": times[-1].strftime("%Y-%m-%d %H:%M:%SZ"),
            }
        )
    rows.sort(key=lambda r: (-int(str(r["rank"])), -int(str(r["count"])), str(r["id"])))
    return rows


def alerts_section(
    alerts: Sequence[Alert],
    scenarios: Sequence[Scenario],
    *,
    rule_ids: frozenset[str],
    sources: Sequence[str],
    account_names: dict[str, str] | None = None,
) -> HtmlSection:
    raised = {a.rule_id for a in alerts}
    names = account_names or {}
    severity = Counter(a.severity for a in alerts)
    html = _ENV.from_string(_TEMPLATE).render(
        total=len(alerts),
        rules=len(rule_ids),
        sources=sources,
        severities=[(s.value, n) for s, n in sorted(severity.items(), key=lambda kv: -kv[0].rank)],
        scenarios=[
            {
                "title": s.title,
                "account": names.get(s.account, s.account),
                "rules": s.rules,
                "missed": [r for r in s.rules if r in rule_ids and r not in raised],
                "unavailable": [r for r in s.rules if r not in rule_ids],
            }
            for s in scenarios
        ],
        rows=_rows(alerts),
    )
    return HtmlSection(title="Alerts", html=html, id="alerts")
