"""logs_metric_filter_security_group_changes: CIS 5.10, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestSecurityGroupChanges(CisMetricFilterCases):
    check = "logs_metric_filter_security_group_changes"
    cis = "5.10"
    # The CIS 5.10 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupIngress) }",
            "ingress only",
        ),
    )
