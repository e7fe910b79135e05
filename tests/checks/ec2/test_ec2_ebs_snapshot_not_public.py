from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_ebs_snapshot_not_public"


def snapshot(**data: Any) -> Any:
    arn = "arn:aws:ec2:us-east-1::snapshot/snap-0abc"
    return make_resource("AWS::EC2::Snapshot", arn, {"SnapshotId": "snap-0abc", **data})


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (snapshot(CreateVolumePermissions=[{"Group": "all"}]), Status.FAIL,
         "snapshot snap-0abc has createVolumePermission group 'all'"),
        (snapshot(CreateVolumePermissions=[{"UserId": "210987654321"}]), Status.PASS,
         "snapshot snap-0abc is not public; shared with account(s) 210987654321"),
        (snapshot(CreateVolumePermissions=[]), Status.PASS, "snapshot snap-0abc is not public"),
        (snapshot(_errors={"CreateVolumePermissions": "ec2:describe_snapshot_attribute: AccessDenied"}),
         Status.NOT_ASSESSED, "sharing of snap-0abc unknown: ec2:describe_snapshot_attribute: AccessDenied"),
    ],
)  # fmt: skip
def test_snapshot_sharing(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)
