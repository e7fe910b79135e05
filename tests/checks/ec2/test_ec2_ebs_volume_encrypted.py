from __future__ import annotations

from typing import Any

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_ebs_volume_encrypted"


def volume(vid: str, encrypted: bool, **data: Any) -> Any:
    arn = f"arn:aws:ec2:us-east-1:123456789012:volume/{vid}"
    return make_resource("AWS::EC2::Volume", arn, {"VolumeId": vid, "Encrypted": encrypted, **data})


def test_encrypted_and_plain_volumes() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    snap = make_snapshot(
        [
            volume("vol-0enc", True, KmsKeyId=key),
            volume("vol-0plain", False, Attachments=[{"InstanceId": "i-0abc"}]),
        ]
    )
    reasons = {f.status: f.status_reason for f in findings_for(snap, CHECK)}
    assert reasons == {
        Status.PASS: f"volume vol-0enc is encrypted with {key}",
        Status.FAIL: "volume vol-0plain attached to i-0abc is not encrypted",
    }
