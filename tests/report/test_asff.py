"""ASFF for Security Hub BatchImportFindings: required fields, limits, naming rules."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cloudwarden.model import Finding, Status
from cloudwarden.report import ReportContext, get_renderer
from cloudwarden.report.formats.asff import asff_resource_type

REQUIRED = {
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
}
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def docs(findings: list[Finding], context: ReportContext) -> list[dict[str, Any]]:
    out = json.loads(get_renderer("asff").render(findings, context))
    assert isinstance(out, list)
    return out


def test_required_fields_and_limits(findings: list[Finding], context: ReportContext) -> None:
    for doc in docs(findings, context):
        assert doc.keys() >= REQUIRED
        assert doc["SchemaVersion"] == "2018-10-08"
        assert len(doc["Title"]) <= 256
        assert 0 < len(doc["Description"]) <= 1024
        assert ISO_Z.fullmatch(doc["CreatedAt"]) and ISO_Z.fullmatch(doc["UpdatedAt"])
        assert doc["Severity"]["Label"] in {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
        for resource in doc["Resources"]:
            assert {"Type", "Id", "Partition", "Region"} <= resource.keys()
        rec = doc.get("Remediation", {}).get("Recommendation", {})
        assert len(rec.get("Text", "")) <= 512


def test_long_title_and_description_are_truncated(
    findings: list[Finding], context: ReportContext
) -> None:
    out = docs(findings, context)
    assert len(out[6]["Title"]) == 256 and out[6]["Title"].endswith("…")
    assert len(out[7]["Description"]) == 1024


def test_product_arn_is_the_custom_integration_in_the_home_region(
    findings: list[Finding], context: ReportContext
) -> None:
    doc = docs(findings, context)[3]
    account = findings[3].account
    assert doc["ProductArn"] == f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"
    assert doc["AwsAccountId"] == account


def test_global_resources_are_reported_in_the_home_region(
    findings: list[Finding], context: ReportContext
) -> None:
    assert docs(findings, context)[0]["Resources"][0]["Region"] == "us-east-1"
    assert docs(findings, context)[3]["Resources"][0]["Region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("status", "compliance", "workflow"),
    [
        (Status.PASS, "PASSED", "RESOLVED"),
        (Status.FAIL, "FAILED", "NEW"),
        (Status.NOT_ASSESSED, "NOT_AVAILABLE", "NEW"),
    ],
)
def test_compliance_and_workflow_status(
    status: Status, compliance: str, workflow: str, findings: list[Finding], context: ReportContext
) -> None:
    doc = docs([findings[0].model_copy(update={"status": status})], context)[0]
    assert doc["Compliance"]["Status"] == compliance
    assert doc["Workflow"]["Status"] == workflow
    assert doc["RecordState"] == "ACTIVE"


def test_related_requirements_name_the_standards(
    findings: list[Finding], context: ReportContext
) -> None:
    reqs = docs(findings, context)[3]["Compliance"]["RelatedRequirements"]
    assert reqs == [
        "AWS Well-Architected Framework Security Pillar/SEC05-BP02",
        "CIS AWS Foundations Benchmark v7.0.0/6.3",
        "CIS AWS Foundations Benchmark v7.0.0/6.4",
    ]


def test_rule_alerts_have_no_compliance_block(
    findings: list[Finding], context: ReportContext
) -> None:
    alert = docs(findings, context)[7]
    assert "Compliance" not in alert
    assert alert["Types"] == ["Unusual Behaviors"]


@pytest.mark.parametrize(
    ("cfn", "arn", "asff"),
    [
        ("AWS::S3::Bucket", "arn:aws:s3:::b", "AwsS3Bucket"),
        (
            "AWS::EC2::SecurityGroup",
            "arn:aws:ec2:us-east-1:1:security-group/sg-1",
            "AwsEc2SecurityGroup",
        ),
        ("AWS::IAM::Role", "arn:aws:iam::1:role/r", "AwsIamRole"),
        ("AWS::RDS::DBInstance", "arn:aws:rds:us-east-1:1:db:d", "AwsRdsDbInstance"),
        ("AWS::CloudTrail::Trail", "arn:aws:cloudtrail:us-east-1:1:trail/t", "AwsCloudTrailTrail"),
        ("AWS::KMS::Key", "arn:aws:kms:us-east-1:1:key/k", "AwsKmsKey"),
        ("AWS::GuardDuty::Detector", "arn:aws:guardduty:us-east-1:1:account", "AwsAccount"),
    ],
)
def test_resource_type_names(cfn: str, arn: str, asff: str) -> None:
    assert asff_resource_type(cfn, arn) == asff
