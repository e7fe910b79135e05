"""logs_metric_filter_organizations_changes: CIS 5.15, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestOrganizationsChanges(CisMetricFilterCases):
    check = "logs_metric_filter_organizations_changes"
    cis = "5.15"
    # The CIS 5.15 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventSource = organizations.amazonaws.com) && ($.eventName = LeaveOrganization) }",
            "one call of eighteen",
        ),
        ("{ $.eventSource = organizations.amazonaws.com }", "counts reads too"),
    )
