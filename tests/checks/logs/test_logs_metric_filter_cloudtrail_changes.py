"""logs_metric_filter_cloudtrail_changes: CIS 5.5, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestCloudTrailChanges(CisMetricFilterCases):
    check = "logs_metric_filter_cloudtrail_changes"
    cis = "5.5"
    # The CIS 5.5 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
            "misses Create/Update/Start",
        ),
    )
