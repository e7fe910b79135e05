from __future__ import annotations

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_ebs_default_encryption_enabled"


def setting(region: str, enabled: bool) -> object:
    return make_resource(
        "AWS::EC2::EbsDefaultEncryption",
        f"arn:aws:ec2:{region}:123456789012:account",
        {"EbsEncryptionByDefault": enabled},
        region=region,
    )


def test_each_region_is_judged_on_its_own_setting() -> None:
    snap = make_snapshot(
        [setting("us-east-1", False), setting("eu-west-1", True)],
        regions=("us-east-1", "eu-west-1", "ap-south-1"),
    )
    got = {f.region: (f.status, f.status_reason, f.resource_arn) for f in findings_for(snap, CHECK)}
    assert got["us-east-1"] == (
        Status.FAIL,
        "EBS encryption by default is disabled in us-east-1",
        "arn:aws:ec2:us-east-1:123456789012:account",
    )
    assert got["eu-west-1"][:2] == (
        Status.PASS,
        "EBS encryption by default is enabled in eu-west-1",
    )
    # a scanned region whose setting is missing from the snapshot cannot be judged
    assert got["ap-south-1"][0] is Status.NOT_ASSESSED
    assert got["ap-south-1"][2] == "arn:aws:ec2:ap-south-1:123456789012:account"
