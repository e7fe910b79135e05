"""GuardDuty detectors, with their features and data sources.

A region without a detector emits nothing: the check tells "no detector" from
"could not list detectors" because a failed listing is a recorded collection error.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

DETECTOR = "AWS::GuardDuty::Detector"


@collector(
    service="guardduty",
    resource_types=(DETECTOR,),
    permissions=("guardduty:ListDetectors", "guardduty:GetDetector"),
)
def collect_guardduty(ctx: CollectContext) -> Iterator[Resource]:
    for detector_id in ctx.paginate("guardduty", "list_detectors", "DetectorIds"):
        errors: dict[str, str] = {}
        detail = ctx.detail("guardduty", "get_detector", errors, "Detector", DetectorId=detector_id)
        data = {k: v for k, v in (detail or {}).items() if k != "ResponseMetadata"}
        data["DetectorId"] = detector_id
        if errors:
            data["_errors"] = errors
        yield ctx.resource(
            DETECTOR, arn=ctx.arn("guardduty", f"detector/{detector_id}"), id=detector_id, data=data
        )
