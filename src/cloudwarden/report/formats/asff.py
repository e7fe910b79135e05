"""AWS Security Finding Format (ASFF), ready for Security Hub ``BatchImportFindings``.

Security Hub's rules this follows: ``ProductArn`` of a custom integration is
``arn:<partition>:securityhub:<region>:<account>:product/<account>/default`` for
the region the findings are imported into (the report's home region); ``Title`` is
at most 256 and ``Description`` at most 1024 characters, and ``Remediation.
Recommendation.Text`` at most 512; ``Types`` use the ASFF namespaces; a PASSED
control is imported RESOLVED, as Security Hub does for its own controls. Global
resources (IAM, account settings) are reported in the home region, since Security
Hub has no "global" region. ``Compliance`` is set only for posture results (checks,
IAM analysis), not for detection-rule alerts, as ASFF reserves it for control checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson

from cloudwarden.model import Finding, FindingSource, Status
from cloudwarden.report._common import (
    CIS_STANDARD,
    GLOBAL,
    WA_STANDARD,
    iso_z,
    partition_of,
    safe_url,
    truncate,
)
from cloudwarden.report.api import ReportContext, renderer

SCHEMA_VERSION = "2018-10-08"
TITLE_MAX = 256
DESCRIPTION_MAX = 1024
RECOMMENDATION_MAX = 512
RELATED_REQUIREMENTS_MAX = 32
PRODUCT_FIELD_MAX = 2048

COMPLIANCE = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.NOT_ASSESSED: "NOT_AVAILABLE"}
WORKFLOW = {Status.PASS: "RESOLVED", Status.FAIL: "NEW", Status.NOT_ASSESSED: "NEW"}
CHECK_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
CIS_TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
RULE_TYPE = "Unusual Behaviors"
_WORD = re.compile(r"[A-Z]+[0-9]*(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")


def asff_resource_type(cfn_type: str, arn: str = "") -> str:
    """``AWS::S3::Bucket`` -> ``AwsS3Bucket``, ``AWS::RDS::DBInstance`` -> ``AwsRdsDbInstance``.

    Security Hub names resource types by title-casing the CloudFormation parts, with
    acronyms folded (``IAM`` -> ``Iam``). A result about a whole account is ``AwsAccount``.
    """
    if arn.endswith(":account"):
        return "AwsAccount"
    words = [w for part in cfn_type.split("::") for w in _WORD.findall(part)]
    return "".join(w.capitalize() for w in words) or "Other"


def _types(f: Finding) -> list[str]:
    if f.source is FindingSource.RULE:
        return [RULE_TYPE]
    return [CHECK_TYPE] + ([CIS_TYPE] if f.cis_ids else [])


def _requirements(f: Finding) -> list[str]:
    reqs = [f"{WA_STANDARD}/{r}" for r in f.wa_ids] + [f"{CIS_STANDARD}/{r}" for r in f.cis_ids]
    return reqs[:RELATED_REQUIREMENTS_MAX]


def _remediation(f: Finding) -> dict[str, Any] | None:
    rem = f.remediation
    if rem is None:
        return None
    text = rem.text + (f" CLI: {rem.cli}" if rem.cli else "")
    rec: dict[str, Any] = {"Text": truncate(text, RECOMMENDATION_MAX)}
    url = safe_url(rem.url)
    if url:
        rec["Url"] = url
    return {"Recommendation": rec}


def _product_fields(f: Finding, ctx: ReportContext) -> dict[str, str]:
    fields = {
        "cloudwarden/source": f.source.value,
        "cloudwarden/check": f.source_id,
        "cloudwarden/area": f.area.value,
        "cloudwarden/status": f.status.value,
    }
    if f.remediation is not None and f.remediation.cli:
        fields["cloudwarden/remediation_cli"] = truncate(f.remediation.cli, PRODUCT_FIELD_MAX)
    if ctx.run_id:
        fields["cloudwarden/run_id"] = ctx.run_id
    return fields


def _resource(f: Finding, home: str) -> dict[str, str]:
    return {
        "Type": asff_resource_type(f.resource_type, f.resource_arn),
        "Id": f.resource_arn,
        "Partition": partition_of(f.resource_arn),
        "Region": home if f.region == GLOBAL else f.region,
    }


def asff_finding(f: Finding, ctx: ReportContext) -> dict[str, Any]:
    partition = partition_of(f.resource_arn)
    home = ctx.home_region
    first = ctx.first_seen.get(f.id, f.observed_at)
    doc: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f.id,
        "ProductArn": f"arn:{partition}:securityhub:{home}:{f.account}:product/{f.account}/default",
        "ProductName": "cloudwarden",
        "CompanyName": "cloudwarden",
        "GeneratorId": f"cloudwarden/{f.source.value}/{f.source_id}",
        "AwsAccountId": f.account,
        "Types": _types(f),
        "FirstObservedAt": iso_z(first),
        "LastObservedAt": iso_z(f.observed_at),
        "CreatedAt": iso_z(first),
        "UpdatedAt": iso_z(f.observed_at),
        "Severity": {"Label": f.severity.name, "Original": f.severity.value},
        "Title": truncate(f.title, TITLE_MAX),
        "Description": truncate(f.status_reason or f.title, DESCRIPTION_MAX),
        "ProductFields": _product_fields(f, ctx),
        "Resources": [_resource(f, home)],
        "Workflow": {"Status": WORKFLOW[f.status]},
        "RecordState": "ACTIVE",
    }
    if f.source is not FindingSource.RULE:
        doc["Compliance"] = {
            "Status": COMPLIANCE[f.status],
            "RelatedRequirements": _requirements(f),
        }
    remediation = _remediation(f)
    if remediation is not None:
        doc["Remediation"] = remediation
    return doc


@renderer
class AsffRenderer:
    """A JSON array of ASFF findings: the ``Findings`` list ``BatchImportFindings`` takes."""

    name = "asff"
    extension = "asff.json"

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
        docs = [asff_finding(f, context) for f in findings]
        return orjson.dumps(docs, default=str, option=orjson.OPT_INDENT_2) + b"\n"
