"""The Security Hub hub of each region, when Security Hub is enabled there.

``DescribeHub`` answers ``InvalidAccessException`` "not subscribed" where Security
Hub is off. That answer is data (no hub), not a failure, so nothing is emitted;
any other failure is recorded and the region reads as not assessed.
"""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.aws.errors import AwsFailure
from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

HUB = "AWS::SecurityHub::Hub"


def _not_enabled(failure: AwsFailure) -> bool:
    return failure.code == "InvalidAccessException" and "not subscribed" in failure.message.lower()


@collector(
    service="securityhub",
    resource_types=(HUB,),
    permissions=("securityhub:DescribeHub",),
)
def collect_securityhub(ctx: CollectContext) -> Iterator[Resource]:
    try:
        hub = ctx.call("securityhub", "describe_hub")
    except CallFailedError as exc:
        if _not_enabled(exc.failure):
            return
        raise
    data = {k: v for k, v in hub.items() if k != "ResponseMetadata"}
    arn = data["HubArn"]
    yield ctx.resource(HUB, arn=arn, id=arn.rsplit("/", 1)[-1], data=data)
