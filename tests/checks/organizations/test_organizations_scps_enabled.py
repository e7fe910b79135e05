"""SCPs judged once per organisation, on the management account's view."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "organizations_scps_enabled"
MEMBER = "210987654321"
ORG_ARN = f"arn:aws:organizations::{ACCOUNT}:organization/o-lab1"
ENABLED = [
    {"Id": "r-ab12", "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}
]
WORKLOADS = [{"TargetId": "ou-ab12-1", "Name": "Workloads", "Type": "ORGANIZATIONAL_UNIT"}]


def organization(roots: list[dict[str, Any]], account: str = ACCOUNT) -> Resource:
    data = {"Id": "o-lab1", "Arn": ORG_ARN, "MasterAccountId": ACCOUNT, "Roots": roots}
    return make_resource(
        "AWS::Organizations::Organization", ORG_ARN, data, region="global", account=account
    )


def scp(name: str, targets: list[dict[str, str]], aws_managed: bool = False) -> Resource:
    arn = f"arn:aws:organizations::{ACCOUNT}:policy/o-lab1/service_control_policy/p-{name}"
    data = {
        "Name": name,
        "Type": "SERVICE_CONTROL_POLICY",
        "AwsManaged": aws_managed,
        "Targets": targets,
        "Content": {},
    }
    return make_resource("AWS::Organizations::Policy", arn, data, region="global", name=name)


FULL_ACCESS = scp("FullAWSAccess", [{"TargetId": "r-ab12", "Name": "Root"}], aws_managed=True)


@pytest.mark.parametrize(
    ("resources", "status", "evidence"),
    [
        (
            [organization(ENABLED), FULL_ACCESS, scp("guardrails", WORKLOADS)],
            Status.PASS,
            "guardrails -> Workloads",
        ),
        ([organization(ENABLED), FULL_ACCESS], Status.FAIL, "only AWS-managed FullAWSAccess"),
        (
            [organization(ENABLED), FULL_ACCESS, scp("draft", [])],
            Status.FAIL,
            "no customer SCP attached",
        ),
        (
            [organization([{"Id": "r-ab12", "PolicyTypes": []}])],
            Status.FAIL,
            "not enabled on root(s) r-ab12",
        ),
    ],
)
def test_management_view(resources: list[Resource], status: Status, evidence: str) -> None:
    [finding] = findings_for(make_snapshot(resources), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn == ORG_ARN


def test_account_outside_any_organisation_fails() -> None:
    [finding] = findings_for(make_snapshot([]), CHECK)
    assert finding.status is Status.FAIL
    assert finding.resource_arn == f"arn:aws:organizations::{ACCOUNT}:account"


def test_members_defer_to_their_scanned_management_account() -> None:
    snap = make_snapshot(
        [
            organization(ENABLED),
            FULL_ACCESS,
            scp("guardrails", WORKLOADS),
            organization([], account=MEMBER),
        ],
        accounts=[ACCOUNT, MEMBER],
    )
    assert [(f.account, f.status) for f in findings_for(snap, CHECK)] == [(ACCOUNT, Status.PASS)]


def test_member_scanned_alone_is_not_assessed() -> None:
    [finding] = findings_for(
        make_snapshot([organization([], account=MEMBER)], accounts=[MEMBER]), CHECK
    )
    assert finding.status is Status.NOT_ASSESSED
