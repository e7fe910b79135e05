"""The Organizations collector against moto: management view, member view, no organisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

MANAGEMENT = "123456789012"
GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(
    aws: AwsContext, account: str = MANAGEMENT
) -> tuple[dict[str, list[Resource]], CollectContext]:
    cctx = CollectContext(aws=aws, account=account, region="global")
    by_type: dict[str, list[Resource]] = {}
    for r in run_collector(COLLECTORS.get("organizations"), cctx):
        by_type.setdefault(r.type, []).append(r)
    return by_type, cctx


def build_org(org: Any) -> dict[str, str]:
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    workloads = org.create_organizational_unit(ParentId=root, Name="Workloads")[
        "OrganizationalUnit"
    ]["Id"]
    prod = org.create_organizational_unit(ParentId=workloads, Name="Prod")["OrganizationalUnit"][
        "Id"
    ]
    member = org.create_account(Email="prod@example.com", AccountName="prod")[
        "CreateAccountStatus"
    ]["AccountId"]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=prod)
    policy = org.create_policy(
        Content=json.dumps(GUARDRAIL),
        Description="g",
        Name="guardrails",
        Type="SERVICE_CONTROL_POLICY",
    )
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=workloads)
    return {"root": root, "workloads": workloads, "prod": prod, "member": member}


def test_management_account_sees_structure_and_policies(aws: AwsContext) -> None:
    ids = build_org(aws.client("organizations"))
    found, cctx = collect(aws)
    assert cctx.errors == []
    [org] = found["AWS::Organizations::Organization"]
    assert org.data["MasterAccountId"] == MANAGEMENT
    assert org.data["Roots"][0]["PolicyTypes"] == [
        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}
    ]
    assert org.data["DelegatedAdministrators"] == []
    ous = {ou.name: ou for ou in found["AWS::Organizations::OrganizationalUnit"]}
    assert ous["Prod"].data["Path"] == [ids["root"], ids["workloads"]]
    assert ous["Prod"].data["PathNames"] == ["Root", "Workloads"]
    accounts = {a.id: a for a in found["AWS::Organizations::Account"]}
    assert accounts[ids["member"]].data["ParentId"] == ids["prod"]
    assert set(accounts) == {MANAGEMENT, ids["member"]}
    policies = {p.name: p for p in found["AWS::Organizations::Policy"]}
    assert policies["guardrails"].data["Content"] == GUARDRAIL  # parsed JSON
    assert [t["TargetId"] for t in policies["guardrails"].data["Targets"]] == [ids["workloads"]]
    assert policies["FullAWSAccess"].data["AwsManaged"] is True
    assert {p.data["Type"] for p in policies.values()} >= {"SERVICE_CONTROL_POLICY"}


def test_member_account_records_why_the_structure_is_missing(aws: AwsContext) -> None:
    ids = build_org(aws.client("organizations"))
    creds = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ids['member']}:role/OrganizationAccountAccessRole",
        RoleSessionName="test",
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    member = AwsContext(session=session, options=AwsOptions())
    found, cctx = collect(member, account=ids["member"])
    assert list(found) == ["AWS::Organizations::Organization"]
    [error] = cctx.errors
    assert error.code == "NotManagementAccount"
    assert "AWS::Organizations::Organization" not in error.resource_types
    assert "AWS::Organizations::Policy" in error.resource_types


def test_outside_an_organisation_nothing_is_yielded_and_nothing_is_an_error(
    aws: AwsContext,
) -> None:
    found, cctx = collect(aws)
    assert found == {}
    assert cctx.errors == []
