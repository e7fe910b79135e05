from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_instance_imdsv2_required"


def instance(state: str = "running", **options: str) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"
    data = {"InstanceId": "i-0abc", "State": {"Name": state}, "MetadataOptions": options}
    return make_resource("AWS::EC2::Instance", arn, data)


@pytest.mark.parametrize(
    ("options", "status", "reason"),
    [
        ({"HttpTokens": "required", "HttpEndpoint": "enabled"}, Status.PASS, "i-0abc requires IMDSv2 session tokens"),
        ({"HttpTokens": "optional", "HttpEndpoint": "disabled"}, Status.PASS, "i-0abc has the metadata endpoint disabled"),
        ({"HttpTokens": "optional", "HttpEndpoint": "enabled"}, Status.FAIL,
         "i-0abc has HttpTokens optional with the metadata endpoint enabled, so IMDSv1 requests are answered"),
        ({}, Status.FAIL, "i-0abc has HttpTokens optional with the metadata endpoint enabled, so IMDSv1 requests are answered"),
    ],
)  # fmt: skip
def test_imds_options(options: dict[str, str], status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([instance(**options)]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)


def test_terminated_instances_are_skipped() -> None:
    snap = make_snapshot([instance("terminated", HttpTokens="optional")])
    assert findings_for(snap, CHECK) == []
