"""The RDS collector against moto: instances, snapshots and their restore attribute."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str, region: str = "us-east-1") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, region, code="AccessDenied", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, Resource], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region="us-east-1")
    found = {r.arn: r for r in run_collector(COLLECTORS.get("rds"), cctx)}
    return found, cctx


INSTANCE_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:cw-db"
PUBLIC_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:snapshot:cw-snap-public"


def seed() -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="cw-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="cwadmin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        PubliclyAccessible=True,
        AutoMinorVersionUpgrade=False,
    )
    rds.create_db_snapshot(DBSnapshotIdentifier="cw-snap-public", DBInstanceIdentifier="cw-db")
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="cw-snap-public", AttributeName="restore", ValuesToAdd=["all"]
    )


def test_instances_and_snapshots(aws: AwsContext) -> None:
    seed()
    found, cctx = collect(aws)
    assert cctx.errors == []
    inst = found[INSTANCE_ARN]
    assert (inst.type, inst.id) == ("AWS::RDS::DBInstance", "cw-db")
    assert inst.data["PubliclyAccessible"] is True
    assert inst.data["StorageEncrypted"] is False
    assert inst.data["AutoMinorVersionUpgrade"] is False
    public = found[PUBLIC_ARN]
    assert public.type == "AWS::RDS::DBSnapshot"
    assert public.data["DBSnapshotAttributes"] == [
        {"AttributeName": "restore", "AttributeValues": ["all"]}
    ]
    automated = [r for r in found.values() if r.data.get("SnapshotType") == "automated"]
    assert all(r.data["DBSnapshotAttributes"] is None for r in automated)
    json.dumps([r.data for r in found.values()])


def test_denied_attribute_call_is_kept_beside_the_snapshot(aws: AwsContext) -> None:
    seed()
    deny(aws, "rds", "DescribeDBSnapshotAttributes")
    found, cctx = collect(aws)
    assert "AccessDenied" in found[PUBLIC_ARN].data["_errors"]["DBSnapshotAttributes"]
    assert cctx.errors == []


def test_denied_snapshot_listing_spares_the_instances(aws: AwsContext) -> None:
    seed()
    deny(aws, "rds", "DescribeDBSnapshots")
    found, cctx = collect(aws)
    assert list(found) == [INSTANCE_ARN]
    [error] = cctx.errors
    assert (error.operation, error.resource_types) == (
        "describe_db_snapshots",
        ("AWS::RDS::DBSnapshot",),
    )
