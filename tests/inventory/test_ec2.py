"""The EC2 collector against moto: instances (with scanned user data), volumes, snapshots,
AMIs and the EBS default-encryption setting, and how failures are recorded."""

from __future__ import annotations

import base64
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
REGION = "us-east-1"
FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    load_builtin("cloudwarden.inventory.services")
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name=REGION), options=AwsOptions())


def deny(aws: AwsContext, service: str, operation: str) -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, service, operation, REGION, code="UnauthorizedOperation", status=403)


def collect(aws: AwsContext) -> tuple[dict[str, list[Resource]], CollectContext]:
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=REGION)
    by_type: dict[str, list[Resource]] = {}
    for r in run_collector(COLLECTORS.get("ec2"), cctx):
        by_type.setdefault(r.type, []).append(r)
    return by_type, cctx


def launch(aws: AwsContext, user_data: str = "") -> str:
    ec2 = aws.client("ec2", REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    resp = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, UserData=user_data)
    return str(resp["Instances"][0]["InstanceId"])


def test_instance_keeps_describe_data_and_only_redacted_user_data_findings(aws: AwsContext) -> None:
    iid = launch(aws, f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={FAKE_KEY}\n")
    found, cctx = collect(aws)
    (instance,) = found["AWS::EC2::Instance"]
    assert instance.arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{iid}"
    assert instance.data["MetadataOptions"]["HttpTokens"] == "optional"
    assert instance.data["NetworkInterfaces"][0]["SubnetId"]
    assert instance.data["UserData"]["Secrets"] == [
        {
            "Pattern": "aws-access-key-id",
            "Line": 2,
            "Excerpt": "export AWS_ACCESS_KEY_ID=AKIA********",
        }
    ]
    stored = json.dumps(instance.data)  # JSON-serialisable, and the key is nowhere in it
    assert FAKE_KEY not in stored
    assert base64.b64encode(FAKE_KEY.encode()).decode()[:12] not in stored
    assert cctx.errors == []


def test_gzip_user_data_is_decompressed_before_scanning(aws: AwsContext) -> None:
    import gzip

    blob = gzip.compress(b"password: Sup3rS3cret!\n")
    ec2 = aws.client("ec2", REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, UserData=blob)
    found, _ = collect(aws)
    summary = found["AWS::EC2::Instance"][0].data["UserData"]
    assert summary["Encoding"] == "gzip"
    assert [s["Pattern"] for s in summary["Secrets"]] == ["password"]


def test_volumes_snapshots_and_images_with_their_sharing(aws: AwsContext) -> None:
    ec2 = aws.client("ec2", REGION)
    iid = launch(aws)
    plain = ec2.create_volume(Size=1, AvailabilityZone=f"{REGION}a")["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=plain)["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=snap, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    image = ec2.create_image(InstanceId=iid, Name="cw-test-image")["ImageId"]
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
    found, _ = collect(aws)
    volumes = {v.id: v for v in found["AWS::EC2::Volume"]}
    assert volumes[plain].data["Encrypted"] is False
    assert volumes[plain].arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{plain}"
    snapshots = {s.id: s for s in found["AWS::EC2::Snapshot"]}
    assert snapshots[snap].arn == f"arn:aws:ec2:{REGION}::snapshot/{snap}"
    assert snapshots[snap].data["CreateVolumePermissions"] == [{"Group": "all"}]
    assert all(s.data["OwnerId"] == ACCOUNT for s in snapshots.values())  # not Amazon's
    (ami,) = found["AWS::EC2::Image"]
    assert ami.arn == f"arn:aws:ec2:{REGION}::image/{image}"
    assert ami.data["LaunchPermissions"] == [{"Group": "all"}]
    assert ami.data["Public"] is True


def test_ebs_default_encryption_is_one_record_per_region(aws: AwsContext) -> None:
    aws.client("ec2", REGION).enable_ebs_encryption_by_default()
    found, _ = collect(aws)
    (setting,) = found["AWS::EC2::EbsDefaultEncryption"]
    assert setting.arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:account"
    assert setting.data == {"EbsEncryptionByDefault": True}


def test_denied_detail_call_becomes_an_errors_entry(aws: AwsContext) -> None:
    ec2 = aws.client("ec2", REGION)
    vol = ec2.create_volume(Size=1, AvailabilityZone=f"{REGION}a")["VolumeId"]
    ec2.create_snapshot(VolumeId=vol)
    launch(aws, "#!/bin/bash\n")
    deny(aws, "ec2", "DescribeSnapshotAttribute")
    deny(aws, "ec2", "DescribeInstanceAttribute")
    found, cctx = collect(aws)
    (snap,) = found["AWS::EC2::Snapshot"]
    assert "CreateVolumePermissions" not in snap.data
    assert snap.data["_errors"]["CreateVolumePermissions"].startswith(
        "ec2:describe_snapshot_attribute: UnauthorizedOperation"
    )
    (instance,) = found["AWS::EC2::Instance"]
    assert "UserData" not in instance.data and "UserData" in instance.data["_errors"]
    assert cctx.errors == []


def test_denied_listing_records_only_that_type(aws: AwsContext) -> None:
    launch(aws)
    deny(aws, "ec2", "DescribeSnapshots")
    found, cctx = collect(aws)
    assert "AWS::EC2::Instance" in found and "AWS::EC2::Snapshot" not in found
    (error,) = cctx.errors
    assert (error.operation, error.code) == ("describe_snapshots", "UnauthorizedOperation")
    assert error.resource_types == ("AWS::EC2::Snapshot",)
