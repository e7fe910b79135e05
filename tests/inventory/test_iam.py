"""The IAM collector against moto: principals and policies lossless, account facts, per-part errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
S3_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext) -> tuple[dict[str, list[Resource]], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="global")
    by_type: dict[str, list[Resource]] = {}
    for r in run_collector(COLLECTORS.get("iam"), cctx):
        by_type.setdefault(r.type, []).append(r)
    return by_type, cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDenied") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "iam", operation, code=code, status=403)


def seed(iam: Any) -> str:
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    iam.create_access_key(UserName="alice")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.put_user_policy(
        UserName="alice", PolicyName="inline-admin", PolicyDocument=json.dumps(ADMIN)
    )
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    arn = iam.create_policy(PolicyName="ops", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(S3_ONLY), SetAsDefault=True)
    iam.create_role(
        RoleName="auditor",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Tags=[{"Key": "team", "Value": "sec"}],
    )
    iam.attach_role_policy(RoleName="auditor", PolicyArn=arn)
    return str(arn)


def test_principals_and_policies_are_kept_as_aws_returns_them(aws: AwsContext) -> None:
    policy_arn = seed(aws.client("iam"))
    found, cctx = collect(aws)
    assert cctx.errors == []
    [role] = found["AWS::IAM::Role"]
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/auditor"
    assert role.region == "global"
    assert role.data["AssumeRolePolicyDocument"] == TRUST  # parsed, not URL-encoded text
    assert role.data["AttachedManagedPolicies"] == [{"PolicyName": "ops", "PolicyArn": policy_arn}]
    assert role.data["Tags"] == [{"Key": "team", "Value": "sec"}]
    [policy] = found["AWS::IAM::ManagedPolicy"]
    versions = {
        v["VersionId"]: (v["IsDefaultVersion"], v["Document"])
        for v in policy.data["PolicyVersionList"]
    }
    assert versions == {"v1": (False, ADMIN), "v2": (True, S3_ONLY)}  # every version, parsed
    assert [g.name for g in found["AWS::IAM::Group"]] == ["readers"]
    json.dumps([r.data for rs in found.values() for r in rs])  # JSON-serialisable throughout


def test_user_carries_its_credentials_and_report_row(aws: AwsContext) -> None:
    seed(aws.client("iam"))
    found, _ = collect(aws)
    [alice] = found["AWS::IAM::User"]
    assert alice.data["UserPolicyList"][0]["PolicyDocument"] == ADMIN
    assert alice.data["GroupList"] == ["readers"]
    assert alice.data["LoginProfile"]["UserName"] == "alice"
    assert [d["SerialNumber"] for d in alice.data["MFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT}:mfa/alice"
    ]
    [key] = alice.data["AccessKeys"]
    assert key["Status"] == "Active" and isinstance(key["CreateDate"], str)
    assert "LastUsed" in key
    assert alice.data["CredentialReport"]["password_enabled"] == "true"
    assert "_errors" not in alice.data


def test_account_level_resources(aws: AwsContext) -> None:
    seed(aws.client("iam"))
    found, _ = collect(aws)
    [report] = found["AWS::IAM::CredentialReport"]
    assert [row["user"] for row in report.data["rows"]] == ["alice"]
    [policy] = found["AWS::IAM::PasswordPolicy"]
    assert policy.data == {"PasswordPolicy": None}  # NoSuchEntity: no policy, not an error
    assert policy.arn == f"arn:aws:iam::{ACCOUNT}:account"
    [summary] = found["AWS::IAM::AccountSummary"]
    assert summary.arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert summary.data["SummaryMap"]["AccountMFAEnabled"] == 0
    [device] = found["AWS::IAM::VirtualMFADevice"]
    assert "Base32StringSeed" not in device.data and "QRCodePNG" not in device.data


def test_password_policy_when_set(aws: AwsContext) -> None:
    aws.client("iam").update_account_password_policy(
        MinimumPasswordLength=14, PasswordReusePrevention=24
    )
    found, _ = collect(aws)
    [policy] = found["AWS::IAM::PasswordPolicy"]
    assert policy.data["PasswordPolicy"]["MinimumPasswordLength"] == 14
    assert policy.data["PasswordPolicy"]["PasswordReusePrevention"] == 24


def test_oidc_provider_details(aws: AwsContext) -> None:
    aws.client("iam").create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["a" * 40],
    )
    found, _ = collect(aws)
    [provider] = found["AWS::IAM::OIDCProvider"]
    assert (
        provider.arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    )
    assert provider.data["ClientIDList"] == ["sts.amazonaws.com"]


def test_denied_detail_call_becomes_an_errors_entry(aws: AwsContext) -> None:
    seed(aws.client("iam"))
    deny(aws, "ListMFADevices")
    found, cctx = collect(aws)
    [alice] = found["AWS::IAM::User"]
    assert alice.data["MFADevices"] is None
    assert "AccessDenied" in alice.data["_errors"]["MFADevices"]
    assert cctx.errors == []


def test_denied_account_part_is_recorded_for_its_type_only(aws: AwsContext) -> None:
    seed(aws.client("iam"))
    deny(aws, "GetCredentialReport")
    deny(aws, "GetAccountPasswordPolicy")
    found, cctx = collect(aws)
    recorded = {t for e in cctx.errors for t in e.resource_types}
    assert recorded == {"AWS::IAM::CredentialReport", "AWS::IAM::PasswordPolicy"}
    assert "AWS::IAM::PasswordPolicy" not in found
    [alice] = found["AWS::IAM::User"]
    assert alice.data["CredentialReport"] is None
    assert "AccessDenied" in alice.data["_errors"]["CredentialReport"]


def test_denied_listing_records_every_type(aws: AwsContext) -> None:
    deny(aws, "GetAccountAuthorizationDetails")
    found, cctx = collect(aws)
    assert found == {}
    [error] = cctx.errors
    assert error.code == "AccessDenied"
    assert "AWS::IAM::Role" in error.resource_types


def test_unattached_aws_managed_policies_are_left_out(
    aws: AwsContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    iam = boto3.client("iam", region_name="us-east-1")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    iam_backends[DEFAULT_ACCOUNT_ID]["global"].reset()
    iam.create_role(RoleName="support", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    found, _ = collect(aws)
    assert [p.arn for p in found["AWS::IAM::ManagedPolicy"]] == [
        "arn:aws:iam::aws:policy/AWSSupportAccess"
    ]
