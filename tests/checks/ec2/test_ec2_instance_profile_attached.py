from __future__ import annotations

from typing import Any

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_instance_profile_attached"
PROFILE = "arn:aws:iam::123456789012:instance-profile/app"


def instance(iid: str, profile: str | None) -> Any:
    data: dict[str, Any] = {"InstanceId": iid, "State": {"Name": "running"}}
    if profile:
        data["IamInstanceProfile"] = {"Arn": profile, "Id": "AIPAEXAMPLE"}
    return make_resource(
        "AWS::EC2::Instance", f"arn:aws:ec2:us-east-1:123456789012:instance/{iid}", data
    )


def test_instance_with_and_without_profile() -> None:
    snap = make_snapshot([instance("i-0with", PROFILE), instance("i-0without", None)])
    by_id = {f.resource_arn.rsplit("/", 1)[-1]: f for f in findings_for(snap, CHECK)}
    assert by_id["i-0with"].status is Status.PASS
    assert by_id["i-0with"].status_reason == f"i-0with uses instance profile {PROFILE}"
    assert by_id["i-0without"].status is Status.FAIL
    assert by_id["i-0without"].status_reason == "i-0without has no IAM instance profile associated"
