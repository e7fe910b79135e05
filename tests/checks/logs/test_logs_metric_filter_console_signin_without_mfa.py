"""logs_metric_filter_console_signin_without_mfa: CIS 5.2, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS


class TestConsoleSigninWithoutMfa(CisMetricFilterCases):
    check = "logs_metric_filter_console_signin_without_mfa"
    cis = "5.2"
    # These must PASS (spelled out: rewritten() only respells lists of eventName terms);
    # the CIS filter with an alarm that notifies nobody must FAIL (tests in cis_cases.py).
    passing = (
        CIS_MONITORS["5.2"].pattern,
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        '{ ($.additionalEventData.MFAUsed != "Yes") && ($.eventName = "ConsoleLogin") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    )
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        ('{ ($.eventName = "ConsoleLogin") }', "counts MFA logins too"),
        (
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }',
            "inverted",
        ),
    )
