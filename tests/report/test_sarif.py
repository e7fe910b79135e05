"""SARIF 2.1.0: one run, a rule per distinct check, a result per FAIL with a logical location."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.model import Finding, Severity, Status
from cloudwarden.report import ReportContext, get_renderer


def log(findings: list[Finding], context: ReportContext) -> dict[str, Any]:
    out = json.loads(get_renderer("sarif").render(findings, context))
    assert isinstance(out, dict)
    return out


def test_log_structure(findings: list[Finding], context: ReportContext) -> None:
    doc = log(findings, context)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "cloudwarden" and driver["version"] == "9.9.9"


def test_rules_are_the_distinct_checks(findings: list[Finding], context: ReportContext) -> None:
    rules = log(findings, context)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.source_id for f in findings})
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
        assert "security" in rule["properties"]["tags"]
    s3 = next(r for r in rules if r["id"] == "s3_bucket_public_access_blocked")
    assert {"data_protection", "SEC03-BP07", "CIS 3.1.4"} <= set(s3["properties"]["tags"])
    assert "aws s3api put-public-access-block" in s3["help"]["text"]
    assert s3["helpUri"].startswith("https://docs.aws.amazon.com/")


def test_results_only_for_failures(findings: list[Finding], context: ReportContext) -> None:
    run = log(findings, context)["runs"][0]
    failed = [f for f in findings if f.status is Status.FAIL]
    assert len(run["results"]) == len(failed)
    rules = run["tool"]["driver"]["rules"]
    for result, f in zip(run["results"], failed, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == f.source_id
        assert result["message"]["text"] == f.status_reason
        location = result["locations"][0]["logicalLocations"][0]
        assert location["fullyQualifiedName"] == f.resource_arn
        assert result["partialFingerprints"]["cloudwardenFindingId/v1"] == f.id


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
        (Severity.INFORMATIONAL, "note"),
    ],
)
def test_level_by_severity(
    severity: Severity, level: str, findings: list[Finding], context: ReportContext
) -> None:
    f = findings[0].model_copy(update={"severity": severity})
    assert log([f], context)["runs"][0]["results"][0]["level"] == level


def test_baseline_state_from_the_diff(findings: list[Finding], context: ReportContext) -> None:
    results = log(findings, context)["runs"][0]["results"]
    assert results[0]["baselineState"] == "new"
    assert {r["baselineState"] for r in results[1:]} == {"unchanged"}


def test_no_baseline_state_without_a_diff(findings: list[Finding]) -> None:
    results = log(findings, ReportContext(tool_version="1"))["runs"][0]["results"]
    assert all("baselineState" not in r for r in results)
