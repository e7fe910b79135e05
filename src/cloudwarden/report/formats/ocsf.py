"""OCSF 1.3.0 JSON: Compliance Finding (class 2003) for checks, Detection Finding (2004) for rules.

Mapping choices, all from the OCSF schema:

* ``type_uid`` is ``class_uid * 100 + activity_id``; every finding is reported with
  activity 1 (Create) because each run re-states the full posture.
* ``severity_id``: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
* Finding ``status_id`` (the triage state): FAIL is 1 New, PASS is 4 Resolved
  (Security Hub resolves passed controls the same way), NOT_ASSESSED is 99 Other
  with the label "Not Assessed".
* ``compliance.status_id``: 1 Pass, 3 Fail, and 2 Warning for NOT_ASSESSED, which
  OCSF defines as "did not yield a result due to missing information".
* Times are ``timestamp_t``: milliseconds since the epoch.
* What OCSF has no attribute for (area, cloudwarden status, console and CLI
  remediation, evidence) goes to ``unmapped``.

IAM-analysis findings are posture results like checks, so they use class 2003 too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from cloudwarden.model import Finding, FindingSource, Severity, Status
from cloudwarden.report._common import (
    GLOBAL,
    epoch_ms,
    partition_of,
    requirement_labels,
    resource_name,
    safe_url,
    standards,
)
from cloudwarden.report.api import ReportContext, renderer

OCSF_VERSION = "1.3.0"
FINDINGS_CATEGORY = (2, "Findings")
COMPLIANCE = (2003, "Compliance Finding")
DETECTION = (2004, "Detection Finding")
CREATE = (1, "Create")
AWS_ACCOUNT = {"type_id": 10, "type": "AWS Account"}

SEVERITY_IDS = {
    Severity.INFORMATIONAL: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
FINDING_STATUS = {
    Status.FAIL: (1, "New"),
    Status.PASS: (4, "Resolved"),
    Status.NOT_ASSESSED: (99, "Not Assessed"),
}
COMPLIANCE_STATUS = {
    Status.PASS: (1, "Pass"),
    Status.NOT_ASSESSED: (2, "Warning"),
    Status.FAIL: (3, "Fail"),
}


def _cloud(f: Finding) -> dict[str, Any]:
    cloud: dict[str, Any] = {"provider": "AWS", "account": {"uid": f.account, **AWS_ACCOUNT}}
    if f.region != GLOBAL:
        cloud["region"] = f.region
    return cloud


def _resource(f: Finding) -> dict[str, Any]:
    res: dict[str, Any] = {
        "uid": f.resource_arn,
        "name": resource_name(f.resource_arn),
        "type": f.resource_type,
        "cloud_partition": partition_of(f.resource_arn),
        "owner": {"account": {"uid": f.account, **AWS_ACCOUNT}},
    }
    if f.region != GLOBAL:
        res["region"] = f.region
    return res


def _finding_info(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    first = ctx.first_seen.get(f.id, f.observed_at)
    return {
        "uid": f.id,
        "title": f.title,
        "desc": f.status_reason,
        "created_time": epoch_ms(first),
        "first_seen_time": epoch_ms(first),
        "last_seen_time": epoch_ms(f.observed_at),
        "analytic": {"uid": f.source_id, "name": f.source_id, "type_id": 1, "type": "Rule"},
    }


def _remediation(f: Finding) -> dict[str, Any] | None:
    rem = f.remediation
    if rem is None:
        return None
    out: dict[str, Any] = {"desc": rem.text}
    url = safe_url(rem.url)
    if url:
        out["references"] = [url]
    return out


def _unmapped(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "source": f.source.value,
        "status": f.status.value,
        "area": f.area.value,
        "wa_ids": list(f.wa_ids),
        "cis_ids": list(f.cis_ids),
    }
    if f.remediation is not None:
        extra["remediation_console"] = f.remediation.console
        extra["remediation_cli"] = f.remediation.cli
    if f.evidence:
        extra["evidence"] = f.evidence
    if ctx.run_id:
        extra["run_id"] = ctx.run_id
    return {"cloudwarden": extra}


def _classification(f: Finding) -> dict[str, Any]:
    class_uid, class_name = DETECTION if f.source is FindingSource.RULE else COMPLIANCE
    severity_id, severity = SEVERITY_IDS[f.severity]
    status_id, status = FINDING_STATUS[f.status]
    return {
        "activity_id": CREATE[0],
        "activity_name": CREATE[1],
        "category_uid": FINDINGS_CATEGORY[0],
        "category_name": FINDINGS_CATEGORY[1],
        "class_uid": class_uid,
        "class_name": class_name,
        "type_uid": class_uid * 100 + CREATE[0],
        "type_name": f"{class_name}: {CREATE[1]}",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
    }


def _metadata(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    return {
        "version": OCSF_VERSION,
        "uid": f.id,
        "event_code": f.source_id,
        "profiles": ["cloud"],
        "product": {
            "name": "cloudwarden",
            "vendor_name": "cloudwarden",
            "version": ctx.tool_version,
        },
    }


def ocsf_event(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    """One finding as an OCSF event (a plain dict, JSON-ready)."""
    event = _classification(f)
    event |= {
        "status_code": f.status.value,
        "status_detail": f.status_reason,
        "message": f.status_reason,
        "time": epoch_ms(f.observed_at),
        "metadata": _metadata(f, ctx),
        "cloud": _cloud(f),
        "finding_info": _finding_info(f, ctx),
        "resources": [_resource(f)],
        "unmapped": _unmapped(f, ctx),
    }
    if event["class_uid"] == COMPLIANCE[0]:
        event["compliance"] = _compliance(f)
    elif f.evidence:
        event["evidences"] = [{"data": f.evidence}]
    remediation = _remediation(f)
    if remediation is not None:
        event["remediation"] = remediation
    return event


def _compliance(f: Finding) -> dict[str, Any]:
    status_id, status = COMPLIANCE_STATUS[f.status]
    return {
        "control": f.source_id,
        "requirements": requirement_labels(f),
        "standards": standards(f) or ["cloudwarden"],
        "status_id": status_id,
        "status": status,
        "status_detail": f.status_reason,
    }


@renderer
class OcsfRenderer:
    """A JSON array of OCSF events, one per finding, in the order given."""

    name = "ocsf"
    extension = "ocsf.json"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        events = [ocsf_event(f, context) for f in findings]
        return orjson.dumps(events, default=str, option=orjson.OPT_INDENT_2) + b"\n"
