"""Console sign-in (a login profile) must come with an MFA device."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Resource, Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "iam_user_console_mfa_enabled"
LOGIN = {"UserName": "u", "CreateDate": "2026-01-01T00:00:00+00:00"}
MFA = [{"SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/u"}]


def user(name: str, **data: Any) -> Resource:
    arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    return make_resource(
        "AWS::IAM::User", arn, {"UserName": name, **data}, region="global", name=name
    )


@pytest.mark.parametrize(
    ("data", "status", "evidence"),
    [
        ({"LoginProfile": LOGIN, "MFADevices": MFA}, Status.PASS, "has a console password and MFA"),
        ({"LoginProfile": LOGIN, "MFADevices": []}, Status.FAIL, "no MFA device"),
        ({"LoginProfile": None, "MFADevices": []}, Status.PASS, "no console password"),
        # without the login-profile answer, the credential report's password_enabled decides
        (
            {"CredentialReport": {"password_enabled": "true"}, "MFADevices": []},
            Status.FAIL,
            "no MFA",
        ),
        (
            {
                "LoginProfile": None,
                "MFADevices": None,
                "_errors": {"MFADevices": "iam:ListMFADevices: AccessDenied"},
            },
            Status.NOT_ASSESSED,
            "AccessDenied",
        ),
    ],
)
def test_console_users_need_mfa(data: dict[str, Any], status: Status, evidence: str) -> None:
    [finding] = findings_for(make_snapshot([user("alice", **data)]), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn.endswith(":user/alice")


def test_each_user_is_judged_on_its_own() -> None:
    snap = make_snapshot(
        [
            user("with-mfa", LoginProfile=LOGIN, MFADevices=MFA),
            user("without-mfa", LoginProfile=LOGIN, MFADevices=[]),
        ]
    )
    by_arn = {f.resource_arn.rsplit("/", 1)[-1]: f.status for f in findings_for(snap, CHECK)}
    assert by_arn == {"with-mfa": Status.PASS, "without-mfa": Status.FAIL}
