"""CIS 2.3: the SECURITY alternate contact is set (None means ResourceNotFoundException)."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

CHECK = "account_security_contact_registered"
ARN = f"arn:aws:account::{ACCOUNT}:account"
SECURITY = {
    "AlternateContactType": "SECURITY",
    "Name": "SecOps",
    "EmailAddress": "secops@example.com",
    "PhoneNumber": "+1-555-0100",
    "Title": "Team",
}


@pytest.mark.parametrize(
    ("data", "status", "evidence"),
    [
        (
            {"Security": SECURITY, "Billing": None, "Operations": None},
            Status.PASS,
            "secops@example.com",
        ),
        (
            {"Security": None, "Billing": {"EmailAddress": "ap@example.com"}, "Operations": None},
            Status.FAIL,
            "no security alternate contact",
        ),
        (
            {
                "Security": None,
                "_errors": {"Security": "account:get_alternate_contact: AccessDeniedException"},
            },
            Status.NOT_ASSESSED,
            "AccessDenied",
        ),
    ],
)
def test_security_contact(data: dict[str, Any], status: Status, evidence: str) -> None:
    resource = make_resource("AWS::Account::AlternateContact", ARN, data, region="global")
    [finding] = findings_for(make_snapshot([resource]), CHECK)
    assert finding.status is status
    assert evidence in finding.status_reason
    assert finding.resource_arn == ARN
