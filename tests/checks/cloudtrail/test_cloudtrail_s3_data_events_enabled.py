"""cloudtrail_s3_data_events_enabled: S3 object reads and writes of every bucket are recorded."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

SCOPE = f"arn:aws:cloudtrail::{ACCOUNT}:account"
ALL_BUCKETS = [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]
ONE_BUCKET = [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::payroll/"]}]


def trail(name: str, selectors: list[dict[str, Any]] | None = None, **data: Any) -> Any:
    body = {
        "Name": name,
        "IsMultiRegionTrail": True,
        "TrailStatus": {"IsLogging": True},
        "HasCustomEventSelectors": bool(selectors),
        "EventSelectors": selectors or [],
        "AdvancedEventSelectors": data.pop("advanced", []),
        **data,
    }
    return make_resource(
        "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}", body
    )


def classic(rw: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ReadWriteType": rw, "IncludeManagementEvents": True, "DataResources": resources}


S3_DATA = [
    {"Field": "eventCategory", "Equals": ["Data"]},
    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
]


@pytest.mark.parametrize(
    ("trails", "status", "reason"),
    [
        (
            [trail("all", [classic("All", ALL_BUCKETS)])],
            Status.PASS,
            "reads and writes are recorded",
        ),
        (
            [
                trail("r", [classic("ReadOnly", ALL_BUCKETS)]),
                trail("w", [classic("WriteOnly", ALL_BUCKETS)]),
            ],
            Status.PASS,
            "reads and writes are recorded",
        ),
        (
            [trail("adv", advanced=[{"Name": "s3", "FieldSelectors": S3_DATA}])],
            Status.PASS,
            "reads and writes are recorded",
        ),
        ([trail("mgmt")], Status.FAIL, "read and write events for all buckets"),
        (
            [trail("w", [classic("WriteOnly", ALL_BUCKETS)])],
            Status.FAIL,
            "object-level read events",
        ),
        ([trail("one", [classic("All", ONE_BUCKET)])], Status.FAIL, "read and write events"),
        (
            [trail("single", [classic("All", ALL_BUCKETS)], IsMultiRegionTrail=False)],
            Status.FAIL,
            "no logging multi-region trail",
        ),
        (
            [
                trail(
                    "prefix",
                    advanced=[
                        {
                            "Name": "s3",
                            "FieldSelectors": [
                                *S3_DATA,
                                {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::payroll/"]},
                            ],
                        }
                    ],
                )
            ],
            Status.FAIL,
            "read and write events",
        ),
        (
            [trail("unknown", None, HasCustomEventSelectors=True, EventSelectors=None)],
            Status.NOT_ASSESSED,
            "selectors unknown",
        ),
    ],
    ids=[
        "all-buckets-all",
        "read-and-write-from-two-trails",
        "advanced-selector",
        "management-only",
        "write-only",
        "one-bucket",
        "single-region-trail",
        "advanced-narrowed-to-prefix",
        "selectors-unreadable",
    ],
)
def test_s3_object_logging(trails: list[Any], status: Status, reason: str) -> None:
    [finding] = findings_for(make_snapshot(trails), "cloudtrail_s3_data_events_enabled")
    assert (finding.resource_arn, finding.status) == (SCOPE, status)
    assert reason in finding.status_reason
