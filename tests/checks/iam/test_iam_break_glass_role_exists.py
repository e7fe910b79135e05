"""A per-account result: is there a break-glass role that is not open to everyone?"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_break_glass_role_exists"
SCOPE = f"arn:aws:iam::{ACCOUNT}:account"
RESPONDERS = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/security-oncall"}


def role(
    name: str, principal: Any = RESPONDERS, tags: list[dict[str, str]] | None = None
) -> Resource:
    doc = {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    data = {"RoleName": name, "AssumeRolePolicyDocument": doc, "Tags": tags or []}
    return make_resource(
        "AWS::IAM::Role", f"arn:aws:iam::{ACCOUNT}:role/{name}", data, region="global", name=name
    )


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        ([role("BreakGlassAdmin")], Status.PASS),
        ([role("emergency-access")], Status.PASS),
        (
            [role("oncall", tags=[{"Key": "cloudwarden:purpose", "Value": "break-glass"}])],
            Status.PASS,
        ),
        ([role("break-glass", principal="*")], Status.FAIL),  # an open door is not a process
        (
            [role("break-glass", principal={"Service": "lambda.amazonaws.com"})],
            Status.FAIL,
        ),  # not for people
        ([role("deployer")], Status.FAIL),
        ([], Status.FAIL),
    ],
)
def test_break_glass_role(roles: list[Resource], status: Status) -> None:
    [finding] = findings_for(make_snapshot(roles), CHECK)
    assert finding.status is status
    assert finding.resource_arn == SCOPE


def test_each_account_is_judged() -> None:
    other = "210987654321"
    snap = make_snapshot([role("break-glass")], accounts=[ACCOUNT, other])
    assert {f.account: f.status for f in findings_for(snap, CHECK)} == {
        ACCOUNT: Status.PASS,
        other: Status.FAIL,
    }
