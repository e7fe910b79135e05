"""logs_metric_filter_network_gateway_changes: CIS 5.12, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestNetworkGatewayChanges(CisMetricFilterCases):
    check = "logs_metric_filter_network_gateway_changes"
    cis = "5.12"
    # The CIS 5.12 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventName = CreateInternetGateway) || ($.eventName = AttachInternetGateway) }",
            "internet gateways only",
        ),
    )
