"""Sample findings with fixed timestamps, so every format renders byte-identically."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Remediation,
    Severity,
    Status,
    stable_finding_id,
)
from cloudwarden.report import HtmlSection, ReportContext
from cloudwarden.store import Diff

OBSERVED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
FIRST_SEEN = datetime(2025, 2, 1, 8, 30, 0, tzinfo=UTC)
PROD = "111122223333"
DEV = "444455556666"

S3_FIX = Remediation(
    text="Turn on all four S3 Block Public Access settings for the bucket.",
    console="S3 > Buckets > <bucket> > Permissions > Block public access > Edit",
    cli="aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration "
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
)
SG_FIX = Remediation(
    text="Remove ingress rules that open administration ports to the internet.",
    console="EC2 > Security Groups > <group> > Inbound rules > Edit",
    cli="aws ec2 revoke-security-group-ingress --group-id <sg-id> --protocol tcp --port 22 --cidr 0.0.0.0/0",
    url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
)
GD_FIX = Remediation(
    text="Enable GuardDuty in every region.",
    cli="aws guardduty create-detector --enable --region <region>",
    url="javascript:alert(1)",
)


def finding(
    source_id: str,
    arn: str,
    status: Status,
    reason: str,
    *,
    severity: Severity = Severity.HIGH,
    area: Area = Area.DATA,
    account: str = PROD,
    region: str = "global",
    rtype: str = "AWS::S3::Bucket",
    title: str = "S3 buckets block public access",
    source: FindingSource = FindingSource.CHECK,
    wa: tuple[str, ...] = ("SEC03-BP07",),
    cis: tuple[str, ...] = ("3.1.4",),
    remediation: Remediation | None = S3_FIX,
    evidence: dict[str, object] | None = None,
) -> Finding:
    return Finding(
        id=stable_finding_id(source_id, account, region, arn),
        source=source,
        source_id=source_id,
        title=title,
        status=status,
        severity=severity,
        area=area,
        account=account,
        region=region,
        resource_arn=arn,
        resource_type=rtype,
        status_reason=reason,
        wa_ids=wa,
        cis_ids=cis,
        remediation=remediation,
        evidence=evidence or {},
        observed_at=OBSERVED,
    )


def security_group(arn: str, status: Status, reason: str, account: str) -> Finding:
    return finding(
        "ec2_securitygroup_admin_ports_closed",
        arn,
        status,
        reason,
        severity=Severity.CRITICAL,
        area=Area.INFRASTRUCTURE,
        account=account,
        region="eu-west-1",
        rtype="AWS::EC2::SecurityGroup",
        title="Security groups keep administration ports closed to the internet",
        wa=("SEC05-BP02",),
        cis=("6.3", "6.4"),
        remediation=SG_FIX,
    )


def sample_findings() -> list[Finding]:
    """One of each: PASS / FAIL / NOT_ASSESSED, every area and severity, a scope result,
    an IAM finding with an over-long title, a rule alert with an over-long reason, and
    text that tries HTML and spreadsheet-formula injection."""
    s3 = "s3_bucket_public_access_blocked"
    return [
        finding(s3, f"arn:aws:s3:::cw-lab-public-{PROD}", Status.FAIL,
                "BlockPublicPolicy and RestrictPublicBuckets are off",
                evidence={"PublicAccessBlock": {"BlockPublicPolicy": False}}),
        finding(s3, f"arn:aws:s3:::cw-lab-private-{PROD}", Status.PASS,
                "all four Block Public Access settings are on"),
        finding(s3, f"arn:aws:s3:::cw-lab-denied-{DEV}", Status.NOT_ASSESSED,
                "s3:GetBucketPublicAccessBlock failed: AccessDenied", account=DEV),
        security_group(f"arn:aws:ec2:eu-west-1:{PROD}:security-group/sg-0abc", Status.FAIL,
                       "port 22 open to 0.0.0.0/0 in rule sg-0abc tcp 22-22", PROD),
        security_group(f"arn:aws:ec2:eu-west-1:{DEV}:security-group/sg-0def", Status.PASS,
                       "no ingress from 0.0.0.0/0 or ::/0", DEV),
        finding("guardduty_detector_enabled", f"arn:aws:guardduty:us-east-1:{DEV}:account",
                Status.FAIL, "=cmd|' /C calc'!A0 no GuardDuty detector in us-east-1",
                severity=Severity.MEDIUM, area=Area.DETECTION, account=DEV, region="us-east-1",
                rtype="AWS::GuardDuty::Detector", title="GuardDuty is enabled in every region",
                wa=("SEC04-BP01",), cis=(), remediation=GD_FIX),
        finding("iam_role_trust_restricted", f"arn:aws:iam::{PROD}:role/cw-lab-<admin>",
                Status.FAIL, "role trusts <script>alert('x')</script> any AWS account \"*\"",
                severity=Severity.LOW, area=Area.IDENTITY, rtype="AWS::IAM::Role",
                title="T" * 300, source=FindingSource.IAM, wa=("SEC03-BP02",), cis=(),
                remediation=None),
        finding("console_login_without_mfa", f"arn:aws:iam::{PROD}:user/cw-lab-alice",
                Status.FAIL, "R" * 1100, severity=Severity.INFORMATIONAL,
                area=Area.INCIDENT_RESPONSE, rtype="AWS::IAM::User",
                title="Console sign-in without MFA", source=FindingSource.RULE,
                wa=("SEC10-BP04",), cis=(), remediation=None,
                evidence={"events": [{"eventName": "ConsoleLogin", "mfa": "No"}]}),
    ]  # fmt: skip


@pytest.fixture
def findings() -> list[Finding]:
    return sample_findings()


def sample_context(findings: list[Finding]) -> ReportContext:
    failing = [f for f in findings if f.status is Status.FAIL]
    return ReportContext(
        tool_version="9.9.9",
        generated_at=datetime(2025, 3, 1, 12, 30, 0, tzinfo=UTC),
        run_id="20250301T120000Z-abc123",
        started_at=datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
        finished_at=datetime(2025, 3, 1, 12, 5, 0, tzinfo=UTC),
        accounts=(PROD, DEV),
        snapshot_created_at=datetime(2025, 3, 1, 12, 4, 0, tzinfo=UTC),
        diff=Diff(
            run_a="20250201T083000Z-def456",
            run_b="20250301T120000Z-abc123",
            new=tuple(failing[:1]),
            still_failing=tuple(failing[1:]),
            resolved=(),
        ),
        first_seen={f.id: FIRST_SEEN for f in failing[1:]},
        extra_sections=[HtmlSection("IAM analysis", "<p>Two roles can escalate.</p>", "iam")],
    )


@pytest.fixture
def context(findings: list[Finding]) -> ReportContext:
    return sample_context(findings)
