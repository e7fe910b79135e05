"""CloudWatch Logs JSON filter patterns, evaluated as CloudWatch documents them."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS
from cloudwarden.checks.builtin.logs._cis_monitoring import implements
from cloudwarden.checks.builtin.logs._filter_pattern import PatternError, compile_pattern

EVENT = {
    "eventName": "ConsoleLogin",
    "errorCode": "Client.UnauthorizedOperation",
    "userIdentity": {"type": "Root", "sessionContext": {"mfa": True}},
    "latency": 250,
    "resources": [{"ARN": "arn:aws:s3:::b"}],
    "note": None,
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.eventName = "ConsoleLogin" }', True),
        ("{$.eventName=ConsoleLogin}", True),
        ('{ $.eventName = "consolelogin" }', False),
        ('{ $.errorCode = "*UnauthorizedOperation" }', True),
        ('{ $.errorCode = "AccessDenied*" }', False),
        ('{ $.eventName != "ConsoleLogin" }', False),
        ("{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS }", True),
        ("{ $.userIdentity.type = Root && $.userIdentity NOT EXISTS }", False),
        ("{ $.userIdentity.sessionContext.mfa IS TRUE }", True),
        ("{ $.note IS NULL }", True),
        ("{ $.latency > 200 }", True),
        ("{ $.latency <= 200 }", False),
        ('{ $.resources[0].ARN = "arn:aws:s3:::b" }', True),
        ("{ $.resources[1].ARN = * }", False),
        ("{ $.eventName = %^Console% }", True),
        ("{ $.eventName = X || $.eventName = ConsoleLogin && $.latency > 1000 }", False),
        ("{ ($.eventName = X || $.eventName = ConsoleLogin) && $.latency > 100 }", True),
    ],
)
def test_pattern(pattern: str, expected: bool) -> None:
    assert compile_pattern(pattern)(EVENT) is expected


@pytest.mark.parametrize(
    "pattern", ['"ConsoleLogin" "Failed"', "[ip, user, ...]", "{ $.eventName = }", "{ ($.a = 1 }"]
)
def test_non_json_or_broken_patterns_are_reported(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)


@pytest.mark.parametrize("cis", sorted(CIS_MONITORS))
def test_each_cis_reference_pattern_implements_its_own_item(cis: str) -> None:
    assert implements(CIS_MONITORS[cis].pattern, cis)


LEGACY_PATTERNS: dict[str, Any] = {
    # CIS v1.x spellings, still common in older accounts.
    "5.1": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    "5.2": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "5.13": (
        "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || "
        "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
        "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"
    ),
}


@pytest.mark.parametrize(("cis", "pattern"), sorted(LEGACY_PATTERNS.items()))
def test_older_cis_spellings_still_count(cis: str, pattern: str) -> None:
    assert implements(pattern, cis)
