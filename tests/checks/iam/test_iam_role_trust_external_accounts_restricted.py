"""Trust to accounts outside the organisation must carry sts:ExternalId."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_role_trust_external_accounts_restricted"
SISTER = "210987654321"  # another account of the same organisation
VENDOR = "999988887777"  # an account outside it
ORG = {
    "Id": "o-lab12345",
    "MasterAccountId": SISTER,
    "Arn": f"arn:aws:organizations::{SISTER}:organization/o-lab12345",
}


def role(*principals: str, condition: dict[str, Any] | None = None) -> Resource:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    data = {"RoleName": "r", "AssumeRolePolicyDocument": {"Statement": [statement]}}
    return make_resource(
        "AWS::IAM::Role", f"arn:aws:iam::{ACCOUNT}:role/r", data, region="global", name="r"
    )


def organization() -> Resource:
    return make_resource("AWS::Organizations::Organization", ORG["Arn"], ORG, region="global")


@pytest.mark.parametrize(
    ("trusted", "condition", "status"),
    [
        ([f"arn:aws:iam::{ACCOUNT}:root"], None, Status.PASS),  # its own account
        ([f"arn:aws:iam::{SISTER}:role/admin"], None, Status.PASS),  # inside the organisation
        ([f"arn:aws:iam::{VENDOR}:root"], None, Status.FAIL),
        ([VENDOR], None, Status.FAIL),  # bare account id form
        (
            [f"arn:aws:iam::{VENDOR}:role/scanner"],
            {"StringEquals": {"sts:ExternalId": "c0ffee"}},
            Status.PASS,
        ),
        (
            [f"arn:aws:iam::{VENDOR}:root"],
            {"StringEqualsIfExists": {"sts:ExternalId": "c0ffee"}},
            Status.FAIL,
        ),
        (["*"], None, Status.PASS),  # wildcards belong to iam_role_trust_not_open
    ],
)
def test_outside_accounts_need_external_id(
    trusted: list[str], condition: dict[str, Any] | None, status: Status
) -> None:
    [finding] = findings_for(
        make_snapshot([role(*trusted, condition=condition), organization()]), CHECK
    )
    assert finding.status is status


def test_without_organisation_data_every_other_account_is_outside() -> None:
    [finding] = findings_for(make_snapshot([role(f"arn:aws:iam::{SISTER}:root")]), CHECK)
    assert finding.status is Status.FAIL
    assert f"arn:aws:iam::{SISTER}:root" in finding.status_reason


def test_scanned_organisation_accounts_are_inside() -> None:
    snap = make_snapshot(
        [role(f"arn:aws:iam::{SISTER}:root")],
        accounts=[ACCOUNT, SISTER],
        organization={"id": "o-lab12345", "management_account": SISTER},
    )
    assert {f.status for f in findings_for(snap, CHECK)} == {Status.PASS}
