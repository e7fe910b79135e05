"""SQS queues: every attribute, the access policy parsed, and the queue's tags.

ListQueues names queue URLs only; ``GetQueueAttributes`` with ``All`` carries the
ARN, the access policy (``Policy``, JSON text), encryption (``SqsManagedSseEnabled``,
``KmsMasterKeyId``) and the redrive settings, so one detail call per queue gives
what checks and the external-access analysis read. Messages are never received.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector, policy_attribute
from cloudwarden.model import Resource

QUEUE = "AWS::SQS::Queue"


@collector(
    service="sqs",
    resource_types=(QUEUE,),
    permissions=("sqs:ListQueues", "sqs:GetQueueAttributes", "sqs:ListQueueTags"),
)
def collect_sqs(ctx: CollectContext) -> Iterator[Resource]:
    urls = ctx.paginate("sqs", "list_queues", "QueueUrls")
    yield from ctx.fan_out(lambda url: _queue(ctx, str(url)), urls)


def _queue(ctx: CollectContext, url: str) -> Resource:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    errors: dict[str, str] = {}
    resp = ctx.detail(
        "sqs", "get_queue_attributes", errors, "Attributes", QueueUrl=url, AttributeNames=["All"]
    )
    attributes: dict[str, str] | None = resp.get("Attributes", {}) if resp is not None else None
    tags = ctx.detail("sqs", "list_queue_tags", errors, "Tags", QueueUrl=url)
    data: dict[str, Any] = {
        "QueueUrl": url,
        "Attributes": attributes,
        "Policy": policy_attribute(attributes, errors, "sqs:GetQueueAttributes"),
        "Tags": tags.get("Tags", {}) if tags is not None else None,
    }
    if errors:
        data["_errors"] = errors
    arn = (attributes or {}).get("QueueArn") or ctx.arn("sqs", name)
    return ctx.resource(QUEUE, arn=arn, id=name, data=data)

