"""OCSF 1.3.0: Compliance Finding (2003) for checks and IAM analysis, Detection Finding (2004)
for rules, with the schema's required attributes and enum values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.model import Finding, FindingSource, Severity, Status
from cloudwarden.report import ReportContext, get_renderer

# Required by base_event / finding / the class itself in OCSF 1.3.0.
BASE_REQUIRED = {
    "activity_id",
    "category_uid",
    "class_uid",
    "type_uid",
    "severity_id",
    "time",
    "metadata",
    "finding_info",
}
CLASS_REQUIRED = {2003: BASE_REQUIRED | {"compliance"}, 2004: BASE_REQUIRED}


def events(findings: list[Finding], context: ReportContext) -> list[dict[str, Any]]:
    doc = json.loads(get_renderer("ocsf").render(findings, context))
    assert isinstance(doc, list)
    return doc


def test_every_event_has_its_class_required_attributes(
    findings: list[Finding], context: ReportContext
) -> None:
    for event in events(findings, context):
        missing = CLASS_REQUIRED[event["class_uid"]] - event.keys()
        assert not missing, (event["finding_info"]["uid"], missing)
        assert event["metadata"]["version"] == "1.3.0"
        assert event["metadata"]["product"]["name"] == "cloudwarden"
        assert event["metadata"]["product"]["vendor_name"]
        assert event["finding_info"]["uid"]
        assert event["cloud"]["provider"] == "AWS"


def test_class_follows_the_source(findings: list[Finding], context: ReportContext) -> None:
    for f, event in zip(findings, events(findings, context), strict=True):
        expected = 2004 if f.source is FindingSource.RULE else 2003
        assert event["class_uid"] == expected
        assert event["category_uid"] == 2
        assert event["type_uid"] == expected * 100 + event["activity_id"]


@pytest.mark.parametrize(
    ("severity", "severity_id"),
    [
        (Severity.INFORMATIONAL, 1),
        (Severity.LOW, 2),
        (Severity.MEDIUM, 3),
        (Severity.HIGH, 4),
        (Severity.CRITICAL, 5),
    ],
)
def test_severity_id(
    severity: Severity, severity_id: int, findings: list[Finding], context: ReportContext
) -> None:
    f = findings[0].model_copy(update={"severity": severity})
    assert events([f], context)[0]["severity_id"] == severity_id


@pytest.mark.parametrize(
    ("status", "finding_status", "compliance_status"),
    [
        (Status.FAIL, (1, "New"), (3, "Fail")),
        (Status.PASS, (4, "Resolved"), (1, "Pass")),
        (Status.NOT_ASSESSED, (99, "Not Assessed"), (2, "Warning")),
    ],
)
def test_status_mapping(
    status: Status,
    finding_status: tuple[int, str],
    compliance_status: tuple[int, str],
    findings: list[Finding],
    context: ReportContext,
) -> None:
    event = events([findings[0].model_copy(update={"status": status})], context)[0]
    assert (event["status_id"], event["status"]) == finding_status
    compliance = event["compliance"]
    assert (compliance["status_id"], compliance["status"]) == compliance_status


def test_compliance_names_requirements_standards_and_control(
    findings: list[Finding], context: ReportContext
) -> None:
    compliance = events(findings, context)[3]["compliance"]
    assert compliance["control"] == "ec2_securitygroup_admin_ports_closed"
    assert compliance["requirements"] == ["SEC05-BP02", "CIS 6.3", "CIS 6.4"]
    assert "CIS AWS Foundations Benchmark v7.0.0" in compliance["standards"]


def test_resource_carries_arn_type_region_and_account(
    findings: list[Finding], context: ReportContext
) -> None:
    event = events(findings, context)[3]
    resource = event["resources"][0]
    assert resource["uid"] == findings[3].resource_arn
    assert resource["type"] == "AWS::EC2::SecurityGroup"
    assert resource["region"] == "eu-west-1"
    assert resource["owner"]["account"]["uid"] == findings[3].account
    assert event["cloud"]["account"] == {
        "uid": findings[3].account,
        "type_id": 10,
        "type": "AWS Account",
    }


def test_global_resources_have_no_region(findings: list[Finding], context: ReportContext) -> None:
    event = events(findings, context)[0]
    assert "region" not in event["resources"][0]
    assert "region" not in event["cloud"]


def test_times_are_epoch_milliseconds_and_first_seen_comes_from_the_context(
    findings: list[Finding], context: ReportContext
) -> None:
    out = events(findings, context)
    assert out[0]["time"] == int(findings[0].observed_at.timestamp() * 1000)
    first = context.first_seen[findings[3].id]
    assert out[3]["finding_info"]["first_seen_time"] == int(first.timestamp() * 1000)


def test_remediation_and_unmapped_details(findings: list[Finding], context: ReportContext) -> None:
    event = events(findings, context)[0]
    assert event["remediation"]["desc"].startswith("Turn on all four")
    assert event["remediation"]["references"] == [findings[0].remediation.url]  # type: ignore[union-attr]
    extra = event["unmapped"]["cloudwarden"]
    assert extra["area"] == "data_protection"
    assert extra["remediation_cli"].startswith("aws s3api put-public-access-block")
    assert extra["evidence"] == findings[0].evidence


def test_unsafe_reference_urls_are_dropped(findings: list[Finding], context: ReportContext) -> None:
    guardduty = events(findings, context)[5]
    assert "references" not in guardduty["remediation"]


def test_detection_findings_carry_evidence(findings: list[Finding], context: ReportContext) -> None:
    alert = events(findings, context)[7]
    assert alert["class_name"] == "Detection Finding"
    assert "compliance" not in alert
    assert alert["evidences"] == [{"data": findings[7].evidence}]
