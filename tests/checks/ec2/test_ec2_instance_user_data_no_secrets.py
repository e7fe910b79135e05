from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ec2_instance_user_data_no_secrets"
SECRET = {
    "Pattern": "aws-access-key-id",
    "Line": 2,
    "Excerpt": "export AWS_ACCESS_KEY_ID=AKIA********",
}


def instance(**data: Any) -> Any:
    arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"
    return make_resource(
        "AWS::EC2::Instance", arn, {"InstanceId": "i-0abc", "State": {"Name": "running"}, **data}
    )


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (instance(UserData={"Present": True, "Bytes": 90, "Secrets": [SECRET]}), Status.FAIL,
         "user data of i-0abc holds a secret-looking value (aws-access-key-id) on line 2: export AWS_ACCESS_KEY_ID=AKIA********"),
        (instance(UserData={"Present": True, "Bytes": 90, "Secrets": [SECRET, SECRET]}), Status.FAIL,
         "user data of i-0abc holds a secret-looking value (aws-access-key-id) on line 2: export AWS_ACCESS_KEY_ID=AKIA******** (and 1 more)"),
        (instance(UserData={"Present": True, "Bytes": 42, "Secrets": []}), Status.PASS,
         "user data of i-0abc (42 bytes) has no secret-looking value"),
        (instance(UserData={"Present": False, "Bytes": 0, "Secrets": []}), Status.PASS, "i-0abc has no user data"),
        (instance(UserData={"Present": True, "Bytes": 7, "Encoding": "undecodable", "Secrets": []}),
         Status.NOT_ASSESSED, "user data of i-0abc is neither text nor gzip and was not scanned"),
        (instance(_errors={"UserData": "ec2:describe_instance_attribute: AccessDenied"}), Status.NOT_ASSESSED,
         "user data of i-0abc unknown: ec2:describe_instance_attribute: AccessDenied"),
    ],
)  # fmt: skip
def test_user_data(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)
    if status is Status.FAIL:
        assert "AKIAIOSFODNN7EXAMPLE" not in str(finding.evidence)
