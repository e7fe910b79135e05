"""logs_metric_filter_console_auth_failures: CIS 5.6, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestConsoleAuthFailures(CisMetricFilterCases):
    check = "logs_metric_filter_console_auth_failures"
    cis = "5.6"
    # These must PASS (spelled out: rewritten() only respells lists of eventName terms);
    # the CIS filter with an alarm that notifies nobody must FAIL (tests in cis_cases.py).
    passing = (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        '{($.errorMessage="Failed authentication")&&($.eventName="ConsoleLogin")}',
    )
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        ("{ ($.eventName = ConsoleLogin) }", "counts successful logins"),
        (
            '{ ($.errorMessage = "Failed authentication") && ($.eventName = SwitchRole) }',
            "wrong event",
        ),
    )
