"""Packaged SigmaHQ AWS rules against realistic CloudTrail records: one hit, one near miss each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.rules import Rule, builtin_sigma_rules, compile_rule

RULES: dict[str, Rule] = {Path(r.source_path).stem: r for r in builtin_sigma_rules().rules}


def ct(**fields: Any) -> dict[str, Any]:
    """A CloudTrail record with the usual envelope; ``fields`` override or extend it."""
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "userName": "alice",
        },
        "eventTime": "2026-11-27T10:00:00Z",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6",
        "requestParameters": None,
        "responseElements": None,
        "eventID": "3b0a8f7e-0000-4000-8000-000000000001",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "111122223333",
    }
    record.update(fields)
    return record


ROOT = {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root"}

CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "aws_cloudtrail_disable_logging",
        ct(
            eventSource="cloudtrail.amazonaws.com",
            eventName="StopLogging",
            requestParameters={"name": "org-trail"},
        ),
        ct(eventSource="cloudtrail.amazonaws.com", eventName="StartLogging"),
    ),
    (
        "aws_cloudtrail_console_login_success_without_mfa",
        ct(
            eventSource="signin.amazonaws.com",
            eventName="ConsoleLogin",
            eventType="AwsConsoleSignIn",
            additionalEventData={
                "LoginTo": "https://console.aws.amazon.com/",
                "MobileVersion": "No",
                "MFAUsed": "No",
            },
            responseElements={"ConsoleLogin": "Success"},
        ),
        ct(
            eventSource="signin.amazonaws.com",
            eventName="ConsoleLogin",
            eventType="AwsConsoleSignIn",
            additionalEventData={"MFAUsed": "Yes"},
            responseElements={"ConsoleLogin": "Success"},
        ),
    ),
    (
        "aws_root_account_usage",
        ct(userIdentity=ROOT, eventSource="s3.amazonaws.com", eventName="ListBuckets"),
        ct(
            userIdentity=ROOT,
            eventSource="sts.amazonaws.com",
            eventName="AssumeRole",
            eventType="AwsServiceEvent",
        ),
    ),
    (
        "aws_cloudtrail_guardduty_detector_deleted_or_updated",
        ct(
            eventSource="guardduty.amazonaws.com",
            eventName="UpdateDetector",
            requestParameters={"detectorId": "abc", "enable": False},
        ),
        ct(
            eventSource="guardduty.amazonaws.com",
            eventName="UpdateDetector",
            requestParameters={"detectorId": "abc", "enable": True},
        ),
    ),
    (
        "aws_cloudtrail_bucket_deleted",
        ct(
            eventSource="s3.amazonaws.com",
            eventName="DeleteBucket",
            requestParameters={"bucketName": "logs", "Host": "logs.s3.amazonaws.com"},
        ),
        ct(
            eventSource="s3.amazonaws.com",
            eventName="DeleteBucket",
            errorCode="AccessDenied",
            errorMessage="Access Denied",
        ),
    ),
    (
        "aws_update_login_profile",
        ct(
            eventSource="iam.amazonaws.com",
            eventName="UpdateLoginProfile",
            requestParameters={"userName": "bob", "passwordResetRequired": False},
        ),
        # The rule's filter compares the whole ARN with the user name (fieldref, as written
        # upstream), so only an identity whose arn *is* the name is filtered out.
        ct(
            eventSource="iam.amazonaws.com",
            eventName="UpdateLoginProfile",
            userIdentity={"type": "IAMUser", "arn": "alice"},
            requestParameters={"userName": "Alice"},
        ),
    ),
    (
        "aws_cloudtrail_imds_malicious_usage",
        ct(
            userIdentity={
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc",
            },
            eventSource="s3.amazonaws.com",
            eventName="ListBuckets",
            sourceIPAddress="198.51.100.9",
        ),
        ct(
            userIdentity={
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc",
            },
            eventSource="s3.amazonaws.com",
            eventName="ListBuckets",
            sourceIPAddress="AWS Internal",
        ),
    ),
    (
        "aws_disable_bucket_versioning",
        ct(
            eventSource="s3.amazonaws.com",
            eventName="PutBucketVersioning",
            requestParameters={
                "bucketName": "data",
                "VersioningConfiguration": {"Status": "Suspended"},
            },
        ),
        ct(
            eventSource="s3.amazonaws.com",
            eventName="PutBucketVersioning",
            requestParameters={
                "bucketName": "data",
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        ),
    ),
    (
        "aws_ec2_vm_export_failure",
        ct(
            eventSource="ec2.amazonaws.com",
            eventName="CreateInstanceExportTask",
            responseElements={"exportTask": {"state": "active"}},
        ),
        ct(
            eventSource="ec2.amazonaws.com",
            eventName="CreateInstanceExportTask",
            errorCode="Client.AuthFailure",
            errorMessage="not authorized",
        ),
    ),
    (
        "aws_enum_buckets",
        ct(eventSource="s3.amazonaws.com", eventName="ListBuckets"),
        ct(
            eventSource="s3.amazonaws.com",
            eventName="ListBuckets",
            userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s"},
        ),
    ),
    (
        "aws_new_lambda_layer_attached",
        ct(
            eventSource="lambda.amazonaws.com",
            eventName="UpdateFunctionConfiguration20150331v2",
            requestParameters={
                "functionName": "f",
                "layers": ["arn:aws:lambda:us-east-1:999:layer:x:1"],
            },
        ),
        ct(
            eventSource="lambda.amazonaws.com",
            eventName="UpdateFunctionConfiguration20150331v2",
            requestParameters={"functionName": "f", "timeout": 30},
        ),
    ),
    (
        "aws_cloudtrail_security_group_change_ingress_egress",
        ct(
            eventSource="ec2.amazonaws.com",
            eventName="AuthorizeSecurityGroupIngress",
            requestParameters={
                "groupId": "sg-1",
                "ipPermissions": {
                    "items": [
                        {
                            "ipProtocol": "tcp",
                            "fromPort": 22,
                            "toPort": 22,
                            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                        }
                    ]
                },
            },
        ),
        ct(eventSource="ec2.amazonaws.com", eventName="DescribeSecurityGroups", readOnly=True),
    ),
]


@pytest.mark.parametrize(("stem", "hit", "miss"), CASES, ids=[c[0] for c in CASES])
def test_rule_hits_and_near_miss(stem: str, hit: dict[str, Any], miss: dict[str, Any]) -> None:
    predicate = compile_rule(RULES[stem])
    assert predicate(hit)
    assert not predicate(miss)


def test_mfa_rule_written_upper_case_catches_real_mixed_case_logs() -> None:
    """The rule says "NO"; CloudTrail writes "No" (SQL's case-sensitive = finds 0 hits)."""
    rule = RULES["aws_cloudtrail_console_login_success_without_mfa"]
    assert "'NO'" in repr(rule.detection)
    assert compile_rule(rule)(CASES[1][1])


def test_all_rules_run_on_a_record_without_raising() -> None:
    record = ct(eventSource="iam.amazonaws.com", eventName="CreateUser")
    outcomes = {rule.id: compile_rule(rule)(record) for rule in RULES.values()}
    # every rule gives a plain verdict (no exception, no truthy non-bool leaking out)
    assert len(outcomes) == len(RULES) and all(type(v) is bool for v in outcomes.values())
