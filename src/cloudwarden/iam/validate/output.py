"""Validation findings as text, JSON and SARIF 2.1.0.

SARIF follows the conventions of ``cloudwarden.report.formats.sarif`` (one run, a rule per
code, GitHub's ``security-severity`` bands), but unlike cloud findings these have a file:
each result carries a physical location (the policy file, and the line and column of the
JSON path), so a CI job can annotate the pull request on the offending line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from cloudwarden.iam.validate.model import Category, ValidationCheck, ValidationFinding

__all__ = ["FileResult", "render_json", "render_sarif", "render_text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Category.ERROR: "error",
    Category.SECURITY_WARNING: "error",
    Category.WARNING: "warning",
    Category.SUGGESTION: "note",
}
_SECURITY_SEVERITY = {
    Category.ERROR: "7.0",
    Category.SECURITY_WARNING: "8.0",
    Category.WARNING: "4.0",
    Category.SUGGESTION: "1.0",
}


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    findings: tuple[ValidationFinding, ...]


def render_text(results: Sequence[FileResult]) -> str:
    """``file:line:path: CATEGORY CODE message — fix``, one line a finding."""
    lines: list[str] = []
    for result in results:
        for f in result.findings:
            where = f"{result.path}:{f.line}" if f.line is not None else result.path
            lines.append(
                f"{where}:{f.path or '(policy)'}: {f.category.value} {f.code} {f.message} — {f.fix}"
            )
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(results: Sequence[FileResult]) -> bytes:
    payload = [
        {"file": r.path, "findings": [f.model_dump(mode="json") for f in r.findings]}
        for r in results
    ]
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n"


def _rule(check: ValidationCheck) -> dict[str, Any]:
    return {
        "id": check.code,
        "name": "".join(w.capitalize() for w in check.code.split("_")),
        "shortDescription": {"text": check.description},
        "fullDescription": {"text": check.description},
        "help": {"text": check.fix, "markdown": check.fix.replace("<", "\\<")},
        "helpUri": check.learn_more,
        "defaultConfiguration": {"level": _LEVEL[check.category]},
        "properties": {
            "tags": ["security", "iam", check.category.value],
            "security-severity": _SECURITY_SEVERITY[check.category],
            "precision": "high",
        },
    }


def _result(path: str, f: ValidationFinding, index: int) -> dict[str, Any]:
    region: dict[str, int] = {}
    if f.line is not None:
        region["startLine"] = f.line
        if f.column is not None:
            region["startColumn"] = f.column
    physical: dict[str, Any] = {"artifactLocation": {"uri": path}}
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.path:
        location["logicalLocations"] = [{"fullyQualifiedName": f.path, "kind": "member"}]
    return {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": _LEVEL[f.category],
        "message": {"text": f"{f.message}. Fix: {f.fix}"},
        "locations": [location],
        "properties": {"category": f.category.value, "jsonPath": f.path},
    }


def render_sarif(
    results: Sequence[FileResult], checks: Sequence[ValidationCheck], version: str
) -> bytes:
    """One run whose rules are the codes that occur, in code order."""
    used = sorted({f.code for r in results for f in r.findings})
    by_code = {c.code: c for c in checks}
    index = {code: i for i, code in enumerate(used)}
    run = {
        "tool": {
            "driver": {
                "name": "cloudwarden",
                "version": version,
                "semanticVersion": version,
                "informationUri": "https://github.com/cloudwarden/cloudwarden",
                "rules": [_rule(by_code[code]) for code in used],
            }
        },
        "results": [_result(r.path, f, index[f.code]) for r in results for f in r.findings],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return orjson.dumps(log, option=orjson.OPT_INDENT_2) + b"\n"
