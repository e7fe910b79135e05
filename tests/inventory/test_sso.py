"""The Identity Center collector against moto: instance, permission sets, store, assignments."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"
TARGET = "210987654321"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext) -> tuple[dict[str, list[Resource]], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="global")
    by_type: dict[str, list[Resource]] = {}
    for r in run_collector(COLLECTORS.get("sso"), cctx):
        by_type.setdefault(r.type, []).append(r)
    return by_type, cctx


def test_assignments_are_found_through_principals(aws: AwsContext) -> None:
    sso = aws.client("sso-admin")
    instance = sso.list_instances()["Instances"][0]
    store = aws.client("identitystore")
    group = store.create_group(
        IdentityStoreId=instance["IdentityStoreId"], DisplayName="responders"
    )["GroupId"]
    store.create_user(
        IdentityStoreId=instance["IdentityStoreId"],
        UserName="ana",
        DisplayName="Ana",
        Name={"GivenName": "Ana", "FamilyName": "L"},
    )
    ps = sso.create_permission_set(InstanceArn=instance["InstanceArn"], Name="ReadOnly")[
        "PermissionSet"
    ]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance["InstanceArn"],
        PermissionSetArn=ps,
        ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    sso.create_account_assignment(
        InstanceArn=instance["InstanceArn"],
        TargetId=TARGET,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=ps,
        PrincipalType="GROUP",
        PrincipalId=group,
    )
    found, cctx = collect(aws)
    assert cctx.errors == []
    [inst] = found["AWS::SSO::Instance"]
    assert inst.arn == instance["InstanceArn"]
    [pset] = found["AWS::SSO::PermissionSet"]
    assert pset.name == "ReadOnly"
    assert (
        pset.data["AttachedManagedPolicies"][0]["Arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    assert pset.data["InlinePolicy"] is None
    [assignment] = found["AWS::SSO::Assignment"]
    assert assignment.data["AccountId"] == TARGET
    assert assignment.data["PrincipalId"] == group
    assert assignment.arn.startswith(ps + "/")
    assert [u.name for u in found["AWS::IdentityStore::User"]] == ["ana"]
    assert found["AWS::IdentityStore::Group"][0].arn == f"arn:aws:identitystore:::group/{group}"


def test_identity_store_failure_is_recorded_for_what_depends_on_it(aws: AwsContext) -> None:
    def refuse(**_: object) -> tuple[object, dict[str, object]]:
        http = type("Http", (), {"status_code": 403, "headers": {}})()
        return http, {
            "Error": {"Code": "AccessDeniedException", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }

    aws.client("identitystore").meta.events.register("before-call.identitystore.ListUsers", refuse)
    found, cctx = collect(aws)
    assert "AWS::SSO::Instance" in found
    [error] = cctx.errors
    assert error.code == "AccessDeniedException"
    assert set(error.resource_types) == {"AWS::IdentityStore::User", "AWS::SSO::Assignment"}
