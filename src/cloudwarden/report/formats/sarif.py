"""SARIF 2.1.0 for CI code-scanning dashboards: one run, a rule per check, a result per FAIL.

Cloud resources have no file location, so each result names its resource as a
logical location (kind ``resource``, fully qualified name = the ARN). The finding's
stable id is the partial fingerprint, which lets a dashboard follow a finding across
runs. ``security-severity`` uses the numeric bands GitHub maps to its severities
(critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0). When the report carries a
diff, ``baselineState`` says whether a failure is new or was already there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from cloudwarden.model import Finding, Severity, Status
from cloudwarden.report._common import iso_z, requirement_labels, resource_name, safe_url
from cloudwarden.report.api import ReportContext, renderer

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "cloudwardenFindingId/v1"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFORMATIONAL: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFORMATIONAL: "1.0",
}


def _md(text: str) -> str:
    """Backslash-escape ``<`` so ``<bucket>`` placeholders survive as text, not as HTML tags."""
    return text.replace("\\", "\\\\").replace("<", "\\<")


def _help(f: Finding) -> dict[str, str]:
    rem = f.remediation
    if rem is None:
        return {"text": f.title, "markdown": _md(f.title)}
    text = [rem.text]
    markdown = [_md(rem.text)]
    if rem.console:
        text.append(f"Console: {rem.console}")
        markdown.append(f"**Console:** {_md(rem.console)}")
    if rem.cli:
        text.append(f"CLI: {rem.cli}")
        markdown.append(f"**CLI:**\n\n```sh\n{rem.cli}\n```")
    url = safe_url(rem.url)
    if url:
        text.append(f"Documentation: {url}")
        markdown.append(f"[AWS documentation]({url})")
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _rule(f: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": f.source_id,
        "name": "".join(w.capitalize() for w in f.source_id.split("_")),
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": f.title},
        "help": _help(f),
        "defaultConfiguration": {"level": LEVELS[f.severity]},
        "properties": {
            "tags": ["security", f.area.value, *requirement_labels(f)],
            "security-severity": SECURITY_SEVERITY[f.severity],
            "precision": "high",
        },
    }
    url = safe_url(f.remediation.url) if f.remediation else ""
    if url:
        rule["helpUri"] = url
    return rule


def _result(f: Finding, index: int, new_ids: frozenset[str] | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.source_id,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[f.severity],
        "message": {"text": f.status_reason},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": resource_name(f.resource_arn),
                        "fullyQualifiedName": f.resource_arn,
                        "kind": "resource",
                    }
                ]
            }
        ],
        "partialFingerprints": {FINGERPRINT: f.id},
        "properties": {
            "account": f.account,
            "region": f.region,
            "resourceType": f.resource_type,
            "severity": f.severity.value,
        },
    }
    if new_ids is not None:
        result["baselineState"] = "new" if f.id in new_ids else "unchanged"
    return result


def sarif_log(findings: Sequence[Finding], ctx: ReportContext) -> dict[str, Any]:
    first_of_rule: dict[str, Finding] = {}
    for f in findings:
        first_of_rule.setdefault(f.source_id, f)
    rule_ids = sorted(first_of_rule)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    new_ids = None if ctx.diff is None else frozenset(n.id for n in ctx.diff.new)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "cloudwarden",
                "version": ctx.tool_version,
                "semanticVersion": ctx.tool_version,
                "rules": [_rule(first_of_rule[rid]) for rid in rule_ids],
            }
        },
        "results": [
            _result(f, index[f.source_id], new_ids) for f in findings if f.status is Status.FAIL
        ],
    }
    if ctx.run_id:
        run["automationDetails"] = {"id": f"cloudwarden/{ctx.run_id}"}
    if ctx.started_at and ctx.finished_at:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "startTimeUtc": iso_z(ctx.started_at),
                "endTimeUtc": iso_z(ctx.finished_at),
            }
        ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


@renderer
class SarifRenderer:
    name = "sarif"
    extension = "sarif"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        return orjson.dumps(sarif_log(findings, context), option=orjson.OPT_INDENT_2) + b"\n"
