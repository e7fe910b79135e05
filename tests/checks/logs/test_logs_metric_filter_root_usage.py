"""logs_metric_filter_root_usage: CIS 5.3, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestRootUsage(CisMetricFilterCases):
    check = "logs_metric_filter_root_usage"
    cis = "5.3"
    # These must PASS (spelled out: rewritten() only respells lists of eventName terms);
    # the CIS filter with an alarm that notifies nobody must FAIL (tests in cis_cases.py).
    passing = (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        "{ ($.eventType != AwsServiceEvent) && ($.userIdentity.invokedBy NOT EXISTS) && ($.userIdentity.type = Root) }",
    )
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        ('{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }', "console logins only"),
        ('{ $.userIdentity.type = "Root" }', "counts service-invoked records"),
    )
