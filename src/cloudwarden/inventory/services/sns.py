"""SNS topics with their attributes (access policy parsed) and subscriptions.

A subscription whose ``SubscriptionArn`` is ``PendingConfirmation`` has not been
confirmed by its endpoint and delivers nothing; checks need the full list to tell
a topic that reaches someone from one that does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector, policy_attribute
from cloudwarden.model import Resource

TOPIC = "AWS::SNS::Topic"


@collector(
    service="sns",
    resource_types=(TOPIC,),
    permissions=("sns:ListTopics", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"),
)
def collect_sns(ctx: CollectContext) -> Iterator[Resource]:
    for topic in ctx.paginate("sns", "list_topics", "Topics"):
        yield _topic(ctx, topic["TopicArn"])


def _topic(ctx: CollectContext, arn: str) -> Resource:
    errors: dict[str, str] = {}
    attrs = ctx.detail("sns", "get_topic_attributes", errors, "Attributes", TopicArn=arn)
    attributes: dict[str, str] | None = attrs.get("Attributes", {}) if attrs is not None else None
    data: dict[str, Any] = {
        "TopicArn": arn,
        "Attributes": attributes,
        "Policy": policy_attribute(attributes, errors, "sns:GetTopicAttributes"),
        "Subscriptions": _subscriptions(ctx, arn, errors),
    }
    if errors:
        data["_errors"] = errors
    return ctx.resource(TOPIC, arn=arn, id=arn.rsplit(":", 1)[-1], data=data)



def _subscriptions(
    ctx: CollectContext, arn: str, errors: dict[str, str]
) -> list[dict[str, Any]] | None:
    subs: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = ctx.detail(
            "sns", "list_subscriptions_by_topic", errors, "Subscriptions", TopicArn=arn, **token
        )
        if page is None:
            return None
        subs.extend(page.get("Subscriptions", []))
        if not page.get("NextToken"):
            return subs
        token = {"NextToken": page["NextToken"]}
