"""The "External and unused access" section of the HTML report.

One table of the resources outsiders can reach (zone, who, what, the witness request
and what it needed), one of the resources whose answer is incomplete and why, and one
of the unused users, credentials and roles. Every value is escaped by Jinja2's
autoescape, as ``HtmlSection`` requires.
"""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment

from cloudwarden.iam.access.external import ResourceAccess
from cloudwarden.iam.access.unused import UnusedAccess
from cloudwarden.report import HtmlSection

__all__ = ["access_section"]

_TEMPLATE = """\
<p>{{ analysed }} resource{{ '' if analysed == 1 else 's' }} with a resource policy or ACL
analysed ({{ requests }} candidate requests decided by the IAM engine):
{{ public }} public, {{ outside }} shared outside the organisation,
{{ inside }} shared within it; {{ unknown }} not fully decided.</p>
<table>
<thead><tr><th>zone</th><th>resource</th><th>who</th><th>actions</th><th>witness request</th>
<th>needs</th></tr></thead>
<tbody>
{% for row in rows %}<tr><td>{{ row.scope }}</td><td><code>{{ row.arn }}</code></td>
<td>{{ row.grantee }}{% if row.via == 'acl' %} (ACL){% endif %}</td>
<td>{{ row.actions | join(', ') }}</td>
<td><code>{{ row.witness }}</code></td><td>{{ row.conditions | join(', ') or '—' }}</td></tr>
{% endfor %}</tbody>
</table>
{% if undecided %}<h3>Not fully decided</h3>
<table><thead><tr><th>resource</th><th>why</th></tr></thead><tbody>
{% for r in undecided %}<tr><td><code>{{ r.arn }}</code></td><td>{{ r.unknown | join('; ') }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
<h3>Unused for {{ days }} days or more</h3>
<table><thead><tr><th>kind</th><th>name</th><th>account</th><th>idle</th></tr></thead><tbody>
{% for u in unused %}<tr><td>{{ u.kind }}</td><td>{{ u.name }}</td><td>{{ u.account }}</td>
<td>{{ u.reason }}</td></tr>
{% endfor %}</tbody></table>
"""
_ENV = Environment(autoescape=True, keep_trailing_newline=True)


def _witness(principal: str, action: str, resource: str, context: dict[str, object]) -> str:
    ctx = " ".join(f"{k}={v}" for k, v in sorted(context.items()))
    return f"{principal} {action} {resource}" + (f" [{ctx}]" if ctx else "")


def access_section(
    results: Sequence[ResourceAccess], unused: Sequence[UnusedAccess], days: int
) -> HtmlSection:
    rows = [
        {
            "scope": a.scope, "arn": r.arn, "grantee": a.grantee, "via": a.via,
            "actions": a.actions, "conditions": a.conditions,
            "witness": _witness(a.witness.principal, a.witness.action, a.witness.resource,
                                dict(a.witness.context)),
        }
        for r in results
        for a in r.accesses
    ]  # fmt: skip
    html = _ENV.from_string(_TEMPLATE).render(
        analysed=len(results),
        requests=sum(r.requests for r in results),
        public=sum(1 for r in results if r.scoped("public")),
        outside=sum(1 for r in results if r.scoped("outside_org")),
        inside=sum(1 for r in results if r.scoped("in_org")),
        unknown=sum(1 for r in results if r.unknown and not r.accesses),
        rows=rows,
        undecided=[r for r in results if r.unknown],
        days=days,
        unused=[u for u in unused if u.unused],
    )
    return HtmlSection(title="External and unused access", html=html, id="iam-access")
