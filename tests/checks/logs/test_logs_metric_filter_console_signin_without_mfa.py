"""logs_metric_filter_console_signin_without_mfa: CIS 5.2, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for

Build = Callable[..., Snapshot]
CHECK = "logs_metric_filter_console_signin_without_mfa"
SCOPE = f"arn:aws:logs::{ACCOUNT}:account"
PASSING = [
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    '{ ($.additionalEventData.MFAUsed != "Yes") && ($.eventName = "ConsoleLogin") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
]


@pytest.mark.parametrize("pattern", PASSING)
def test_filter_with_alarmed_metric_passes(monitoring_snapshot: Build, pattern: str) -> None:
    [finding] = findings_for(monitoring_snapshot(pattern), CHECK)
    assert (finding.resource_arn, finding.status) == (SCOPE, Status.PASS)
    assert "alarmed by cis-alarm" in finding.status_reason


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ('{ ($.eventName = "ConsoleLogin") }', "counts MFA logins too"),
        (
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }',
            "inverted",
        ),
    ],
)
def test_filter_that_counts_the_wrong_events_fails(
    monitoring_snapshot: Build, pattern: str, why: str
) -> None:
    [finding] = findings_for(monitoring_snapshot(pattern), CHECK)
    assert finding.status is Status.FAIL, why
    assert "no metric filter on log group org-trail-logs" in finding.status_reason


def test_matching_filter_whose_alarm_notifies_nobody_fails(monitoring_snapshot: Build) -> None:
    snap = monitoring_snapshot(CIS_MONITORS["5.2"].pattern, actions=[])
    [finding] = findings_for(snap, CHECK)
    assert finding.status is Status.FAIL
    assert (
        finding.status_reason
        == "alarm cis-alarm on metric CISBenchmark/CisMetric of filter cis has no enabled action"
    )
