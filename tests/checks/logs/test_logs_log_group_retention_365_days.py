"""logs_log_group_retention_365_days: events must outlive the time it takes to find an intrusion."""

from __future__ import annotations

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot


@pytest.mark.parametrize(
    ("retention", "status", "reason"),
    [
        (None, Status.PASS, "log group app never expires its events"),
        (365, Status.PASS, "keeps events for 365 days"),
        (3653, Status.PASS, "keeps events for 3653 days"),
        (7, Status.FAIL, "log group app deletes events after 7 days (< 365)"),
        (180, Status.FAIL, "deletes events after 180 days"),
    ],
)
def test_retention(retention: int | None, status: Status, reason: str) -> None:
    data: dict[str, object] = {"logGroupName": "app", "storedBytes": 0}
    if retention is not None:
        data["retentionInDays"] = retention
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:app"
    snap = make_snapshot([make_resource("AWS::Logs::LogGroup", arn, data)])
    [finding] = findings_for(snap, "logs_log_group_retention_365_days")
    assert (finding.resource_arn, finding.status) == (arn, status)
    assert reason in finding.status_reason
