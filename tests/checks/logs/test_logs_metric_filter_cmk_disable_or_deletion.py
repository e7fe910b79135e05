"""logs_metric_filter_cmk_disable_or_deletion: CIS 5.7, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestCmkDisableOrDeletion(CisMetricFilterCases):
    check = "logs_metric_filter_cmk_disable_or_deletion"
    cis = "5.7"
    # The CIS 5.7 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = ScheduleKeyDeletion) }",
            "misses DisableKey",
        ),
        ("{ ($.eventSource = kms.amazonaws.com) }", "counts Decrypt"),
    )
