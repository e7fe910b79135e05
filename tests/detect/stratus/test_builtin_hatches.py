"""The python hatch functions the Stratus-driven built-in rules use (cloudwarden.detect.rules.hatch)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.detect.rules.hatch import (
    EventFields,
    bucket_policy_external_account,
    lambda_permission_external,
    resolve_hatch,
)
from cloudwarden.detect.rules.hatch import account_of as principal_account

OWN = "111122223333"


def _fields(request: dict[str, Any]) -> EventFields:
    return EventFields({"recipientAccountId": OWN, "requestParameters": request})


def _policy(principal: object, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": effect,
                "Principal": principal,
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }


@pytest.mark.parametrize(
    ("principal", "account"),
    [
        ("*", "*"),
        ("999988887777", "999988887777"),
        ("arn:aws:iam::999988887777:root", "999988887777"),
        ("arn:aws-us-gov:iam::999988887777:role/x", "999988887777"),
        ("arn:aws:sts::999988887777:assumed-role/r/s", "999988887777"),
        ("s3.amazonaws.com", None),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
    ],
)
def test_principal_account(principal: str, account: str | None) -> None:
    assert principal_account(principal) == account


@pytest.mark.parametrize(
    ("policy", "external"),
    [
        (_policy({"AWS": "arn:aws:iam::193672423079:root"}), True),
        (_policy({"AWS": ["arn:aws:iam::111122223333:role/a", "999988887777"]}), True),
        (_policy("*"), True),
        (_policy({"AWS": f"arn:aws:iam::{OWN}:role/reporting"}), False),
        (_policy({"AWS": "arn:aws:iam::193672423079:root"}, effect="Deny"), False),
        (_policy({"Service": "logging.s3.amazonaws.com"}), False),
    ],
)
def test_bucket_policy_external_account(policy: dict[str, Any], external: bool) -> None:
    assert bucket_policy_external_account(_fields({"bucketPolicy": policy})) is external
    # CloudTrail may also carry the policy as JSON text
    as_text = _fields({"bucketPolicy": json.dumps(policy)})
    assert bucket_policy_external_account(as_text) is external


def test_bucket_policy_unreadable_is_not_external() -> None:
    assert not bucket_policy_external_account(_fields({"bucketPolicy": "{not json"}))
    assert not bucket_policy_external_account(_fields({"bucketName": "b"}))


@pytest.mark.parametrize(
    ("request_parameters", "external"),
    [
        ({"principal": "*"}, True),
        ({"principal": "999988887777"}, True),
        ({"principal": OWN}, False),
        ({"principal": f"arn:aws:iam::{OWN}:role/caller"}, False),
        (
            {"principal": "s3.amazonaws.com", "sourceAccount": OWN, "sourceArn": "arn:aws:s3:::b"},
            False,
        ),
        ({"principal": "s3.amazonaws.com", "sourceAccount": "999988887777"}, True),
        ({"principal": "events.amazonaws.com"}, True),
        ({"principal": "events.amazonaws.com", "sourceArn": "arn:aws:events:us-east-1:x"}, False),
        ({"functionName": "f"}, False),
    ],
)
def test_lambda_permission_external(request_parameters: dict[str, Any], external: bool) -> None:
    assert lambda_permission_external(_fields(request_parameters)) is external


def test_the_hatches_resolve_by_reference() -> None:
    module = "cloudwarden.detect.rules.hatch"
    assert (
        resolve_hatch(f"{module}:bucket_policy_external_account") is bucket_policy_external_account
    )
    assert resolve_hatch(f"{module}:lambda_permission_external") is lambda_permission_external
