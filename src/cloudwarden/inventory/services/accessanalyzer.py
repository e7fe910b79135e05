"""IAM Access Analyzer: the analyzers of each region.

Analyzers are regional: an external-access analyzer only reviews resources of its
own region, which is why CIS asks for one in every region. A region with no
analyzer yields nothing (checks read that as "none here"); a region where the
listing fails (access denied, or an emulator without this service) is recorded, so
checks say NOT_ASSESSED there instead of FAIL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cloudwarden.aws.errors import AwsFailure, FailureKind
from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

ANALYZER = "AWS::AccessAnalyzer::Analyzer"


def plain(value: Any) -> Any:
    """JSON-safe copy: datetimes become ISO-8601 strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


@collector(
    service="accessanalyzer",
    resource_types=(ANALYZER,),
    permissions=("access-analyzer:ListAnalyzers",),
    regional=True,
)
def collect_accessanalyzer(ctx: CollectContext) -> Iterator[Resource]:
    try:
        items = ctx.paginate("accessanalyzer", "list_analyzers", "analyzers")
    except CallFailedError as exc:
        raise _readable(exc) from None
    for item in items:
        yield ctx.resource(
            ANALYZER, arn=item["arn"], id=item["name"], name=item["name"], data=plain(item)
        )


def _readable(exc: CallFailedError) -> CallFailedError:
    """An endpoint without this service answers with an HTML error page: say so in words."""
    failure = exc.failure
    if failure.kind is FailureKind.UNSUPPORTED or failure.message.lstrip().startswith("<"):
        message = "IAM Access Analyzer is not available at this endpoint"
        failure = AwsFailure(FailureKind.UNSUPPORTED, failure.code, message)
    return CallFailedError(exc.service, exc.operation, failure)
