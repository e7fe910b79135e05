"""logs_metric_filter_iam_policy_changes: CIS 5.4, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestIamPolicyChanges(CisMetricFilterCases):
    check = "logs_metric_filter_iam_policy_changes"
    cis = "5.4"
    # The CIS 5.4 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventName = PutUserPolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = CreatePolicy) }",
            "three of sixteen calls",
        ),
        ("{ $.eventSource = iam.amazonaws.com }", "counts reads too"),
    )
