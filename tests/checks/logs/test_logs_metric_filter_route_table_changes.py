"""logs_metric_filter_route_table_changes: CIS 5.13, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestRouteTableChanges(CisMetricFilterCases):
    check = "logs_metric_filter_route_table_changes"
    cis = "5.13"
    # The CIS 5.13 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventName = CreateRoute) || ($.eventName = DeleteRoute) }",
            "routes only, not tables",
        ),
    )
