from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_ami_not_public"


def image(**data: Any) -> Any:
    arn = "arn:aws:ec2:us-east-1::image/ami-0abc"
    return make_resource("AWS::EC2::Image", arn, {"ImageId": "ami-0abc", **data}, name="golden")


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (image(Public=True, LaunchPermissions=[{"Group": "all"}]), Status.FAIL, "AMI ami-0abc (golden) is public: Public is true"),
        (image(Public=False, LaunchPermissions=[{"Group": "all"}]), Status.FAIL,
         "AMI ami-0abc (golden) is public: launch permission group 'all'"),
        (image(Public=False, LaunchPermissions=[{"UserId": "210987654321"}]), Status.PASS, "AMI ami-0abc (golden) is not public"),
        # Public comes with the listing, so a failed permission read still allows a verdict
        (image(Public=False, _errors={"LaunchPermissions": "AccessDenied"}), Status.PASS, "AMI ami-0abc (golden) is not public"),
        (image(_errors={"LaunchPermissions": "AccessDenied"}), Status.NOT_ASSESSED, "sharing of AMI ami-0abc unknown: AccessDenied"),
    ],
)  # fmt: skip
def test_image_visibility(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)
