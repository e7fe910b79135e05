"""The HTML report: self-contained, escaped, filterable, and extensible by sections."""

from __future__ import annotations

import re

from cloudwarden.controls import coverage
from cloudwarden.model import Finding
from cloudwarden.report import HtmlSection, ReportContext, get_renderer
from cloudwarden.store import Diff


def render(findings: list[Finding], context: ReportContext) -> str:
    return get_renderer("html").render(findings, context).decode("utf-8")


def test_fetches_nothing_from_elsewhere(findings: list[Finding], context: ReportContext) -> None:
    html = render(findings, context)
    assert "<script src" not in html
    assert "<link" not in html
    assert not re.search(r"""\bsrc\s*=\s*["']?\s*(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    for match in re.finditer(r"""<(\w+)[^>]*\bhref\s*=\s*["'](https?:[^"']*)""", html):
        assert match.group(1) == "a", match.group(0)
        assert 'class="doc-link"' in match.group(0)
    assert "default-src 'none'" in html


def test_only_http_doc_links_become_anchors(
    findings: list[Finding], context: ReportContext
) -> None:
    html = render(findings, context)
    assert "javascript:" not in html
    assert (
        'href="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"' in html
    )


def test_untrusted_text_is_escaped(findings: list[Finding], context: ReportContext) -> None:
    html = render(findings, context)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "cw-lab-&lt;admin&gt;" in html


def test_shows_run_metadata_scores_and_counts(
    findings: list[Finding], context: ReportContext
) -> None:
    html = render(findings, context)
    assert context.run_id is not None and context.run_id in html
    assert "2025-03-01T12:00:00Z" in html
    assert "111122223333, 444455556666" in html
    assert html.count('class="chart-bar') == 5
    assert '<span class="sev sev-critical">critical</span></td><td class="num">1</td>' in html


def test_every_finding_shows_reason_resource_remediation_and_ids(
    findings: list[Finding], context: ReportContext
) -> None:
    html = render(findings, context)
    assert html.count('<tr class="finding"') == len(findings)
    assert "port 22 open to 0.0.0.0/0 in rule sg-0abc tcp 22-22" in html
    assert "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc" in html
    assert "aws ec2 revoke-security-group-ingress --group-id &lt;sg-id&gt;" in html
    assert "EC2 &gt; Security Groups" in html
    assert '<span class="tag">SEC05-BP02</span> <span class="tag">CIS 6.3</span>' in html


def test_filters_need_javascript_and_rows_are_visible_without_it(
    findings: list[Finding], context: ReportContext
) -> None:
    html = render(findings, context)
    assert '<form id="filters" class="filters" hidden>' in html
    for name in ("status", "severity", "area", "account"):
        assert f'<select name="{name}">' in html
    rows = re.findall(r'<tr class="finding"[^>]*>', html)
    assert rows and not any("hidden" in r for r in rows)
    assert 'data-account="444455556666"' in html


def test_changes_section_from_the_diff(findings: list[Finding], context: ReportContext) -> None:
    html = render(findings, context)
    assert 'id="changes"' in html and "New failures" in html


def test_no_changes_section_without_a_diff(findings: list[Finding]) -> None:
    assert 'id="changes"' not in render(findings, ReportContext(tool_version="1"))


def test_extra_sections_are_inserted_and_linked(
    findings: list[Finding], context: ReportContext
) -> None:
    html = render(findings, context)
    assert '<section id="iam" class="extra">' in html
    assert "<p>Two roles can escalate.</p>" in html
    assert '<a href="#iam">IAM analysis</a>' in html


def test_coverage_section_states_each_control(findings: list[Finding]) -> None:
    class Meta:
        def __init__(self, id: str, wa: tuple[str, ...], cis: tuple[str, ...]) -> None:
            self.id, self.wa_ids, self.cis_ids = id, wa, cis

    class Chk:
        def __init__(self, meta: Meta) -> None:
            self.meta = meta

    checks = [Chk(Meta("s3_bucket_public_access_blocked", ("SEC03-BP07",), ("3.1.4",)))]
    ctx = ReportContext(tool_version="1", coverage=tuple(coverage(checks)))
    html = render(findings, ctx)
    assert 'id="coverage"' in html
    assert "1 of 57 automated" in html and "1 of 70 automated" in html
    assert re.search(r"<code>SEC03-BP07</code>.*?state-failing", html, re.S)


def test_sections_render_with_no_findings() -> None:
    html = render(
        [], ReportContext(tool_version="1", extra_sections=[HtmlSection("X", "<b>x</b>")])
    )
    assert "No findings." in html and "n/a" in html


def test_failures_that_could_not_be_assessed_again_are_not_called_resolved(
    findings: list[Finding],
) -> None:
    diff = Diff(run_a="a", run_b="b", unassessed=(findings[0],))
    html = render(findings, ReportContext(tool_version="1", diff=diff))
    assert "No longer assessed" in html and "could not be assessed now" in html
