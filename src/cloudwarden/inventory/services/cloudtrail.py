"""CloudTrail trails, each with its logging status and event selectors.

``describe_trails`` is asked for shadow trails too, because without them a member
account cannot see the organisation trail that records its activity. A multi-region
trail is returned in every region, so each trail is kept only in its home region:
one resource per trail, and per-trail checks report it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

TRAIL = "AWS::CloudTrail::Trail"


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _plain(response: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of a response, without botocore's ResponseMetadata."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return dict(json.loads(json.dumps(body, default=_iso)))


@collector(
    service="cloudtrail",
    resource_types=(TRAIL,),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
    ),
)
def collect_cloudtrail(ctx: CollectContext) -> Iterator[Resource]:
    trails = ctx.call("cloudtrail", "describe_trails", includeShadowTrails=True)["trailList"]
    for trail in trails:
        if trail.get("HomeRegion", ctx.region) == ctx.region:
            yield _trail(ctx, trail)


def _trail(ctx: CollectContext, trail: dict[str, Any]) -> Resource:
    arn = trail["TrailARN"]
    errors: dict[str, str] = {}
    data = _plain(trail)
    status = ctx.detail("cloudtrail", "get_trail_status", errors, "TrailStatus", Name=arn)
    data["TrailStatus"] = _plain(status) if status is not None else None
    selectors = ctx.detail(
        "cloudtrail", "get_event_selectors", errors, "EventSelectors", TrailName=arn
    )
    if selectors is None:
        data["EventSelectors"] = data["AdvancedEventSelectors"] = None
        if "EventSelectors" in errors:
            errors["AdvancedEventSelectors"] = errors["EventSelectors"]
    else:
        data["EventSelectors"] = _plain(selectors).get("EventSelectors", [])
        data["AdvancedEventSelectors"] = _plain(selectors).get("AdvancedEventSelectors", [])
    if errors:
        data["_errors"] = errors
    return ctx.resource(TRAIL, arn=arn, id=trail["Name"], name=trail["Name"], data=data)
