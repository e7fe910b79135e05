"""logs_metric_filter_unauthorized_api_calls: CIS 5.1, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS


class TestUnauthorizedApiCalls(CisMetricFilterCases):
    check = "logs_metric_filter_unauthorized_api_calls"
    cis = "5.1"
    # These must PASS (spelled out: rewritten() only respells lists of eventName terms);
    # the CIS filter with an alarm that notifies nobody must FAIL (tests in cis_cases.py).
    passing = (
        CIS_MONITORS["5.1"].pattern,
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        '{($.errorCode="AccessDenied*")||($.errorCode="*UnauthorizedOperation")}',
    )
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        ('{ $.errorCode = "AccessDenied*" }', "misses UnauthorizedOperation"),
        ('{ $.errorCode = "*" }', "also counts throttling"),
    )
