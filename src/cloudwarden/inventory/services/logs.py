"""CloudWatch Logs log groups (with their retention) and metric filters.

A log group without ``retentionInDays`` keeps its events forever. Metric filters
have no ARN of their own in AWS; each gets an identifier under its log group's ARN
(``...:log-group:NAME:metric-filter:FILTER``), unique because filter names are
unique within a log group and neither name may contain a colon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

LOG_GROUP = "AWS::Logs::LogGroup"
METRIC_FILTER = "AWS::Logs::MetricFilter"


@collector(
    service="logs",
    resource_types=(LOG_GROUP, METRIC_FILTER),
    permissions=("logs:DescribeLogGroups", "logs:DescribeMetricFilters"),
)
def collect_logs(ctx: CollectContext) -> Iterator[Resource]:
    groups = ctx.paginate("logs", "describe_log_groups", "logGroups")
    filters = ctx.paginate("logs", "describe_metric_filters", "metricFilters")
    for group in groups:
        yield ctx.resource(
            LOG_GROUP,
            arn=group_arn(ctx, group["logGroupName"]),
            id=group["logGroupName"],
            data=group,
        )
    for item in filters:
        yield _metric_filter(ctx, item)


def group_arn(ctx: CollectContext, name: str) -> str:
    """The log group ARN without the ``:*`` suffix that ``describe_log_groups`` appends."""
    return ctx.arn("logs", f"log-group:{name}")


def _metric_filter(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    group, name = item["logGroupName"], item["filterName"]
    return ctx.resource(
        METRIC_FILTER,
        arn=f"{group_arn(ctx, group)}:metric-filter:{name}",
        id=name,
        data=dict(item),
    )
