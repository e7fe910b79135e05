"""logs_metric_filter_s3_bucket_policy_changes: CIS 5.8, judged by what the filter counts, not how it is spelled."""

from __future__ import annotations

from cis_cases import CisMetricFilterCases


class TestS3BucketPolicyChanges(CisMetricFilterCases):
    check = "logs_metric_filter_s3_bucket_policy_changes"
    cis = "5.8"
    # The CIS 5.8 filter, as written and rewritten, must PASS; with an alarm that notifies
    # nobody it must FAIL (both tests are in cis_cases.py).
    # Each of these counts other events than the item asks for, so it must FAIL.
    wrong = (
        (
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketPolicy) || ($.eventName = DeleteBucketPolicy)) }",
            "policies only, not ACL/CORS/lifecycle/replication",
        ),
    )
