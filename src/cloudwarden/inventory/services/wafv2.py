"""AWS WAF (v2) web ACLs of REGIONAL scope: the ones that protect load balancers, API
Gateway stages, AppSync APIs and Cognito user pools in each region.

Each web ACL keeps its ``ListWebACLs`` summary plus the full ``WebACL`` (rules, default
action) and its ``LoggingConfiguration`` (None when logging is off). Which load
balancer uses which web ACL is collected from the load balancer's side (see the ELBv2
collector), because that is the question the checks ask.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.inventory.services.ec2 import jsonable, with_errors
from cloudwarden.model import Resource

WEB_ACL = "AWS::WAFv2::WebACL"
SCOPE = "REGIONAL"


def _list_web_acls(ctx: CollectContext) -> list[dict[str, Any]]:
    """``ListWebACLs`` pages with ``NextMarker`` (botocore has no paginator for it)."""
    found: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Scope": SCOPE, "Limit": 100}
        if marker:
            kwargs["NextMarker"] = marker
        resp = ctx.call("wafv2", "list_web_acls", **kwargs)
        page = resp.get("WebACLs", [])
        found.extend(page)
        marker = resp.get("NextMarker")
        if not marker or not page:
            return found


def _web_acl(ctx: CollectContext, item: dict[str, Any]) -> Resource:
    errors: dict[str, str] = {}
    data = jsonable(item)
    detail = ctx.detail(
        "wafv2", "get_web_acl", errors, "WebACL", Name=item["Name"], Scope=SCOPE, Id=item["Id"]
    )
    if detail is not None:
        data["WebACL"] = jsonable(detail.get("WebACL"))
    logging = ctx.detail(
        "wafv2",
        "get_logging_configuration",
        errors,
        "LoggingConfiguration",
        absent=("WAFNonexistentItemException",),
        ResourceArn=item["ARN"],
    )
    if "LoggingConfiguration" not in errors:
        data["LoggingConfiguration"] = (
            jsonable(logging.get("LoggingConfiguration")) if logging else None
        )
    return ctx.resource(
        WEB_ACL, arn=item["ARN"], id=item["Id"], name=item["Name"], data=with_errors(data, errors)
    )


@collector(
    service="wafv2",
    resource_types=(WEB_ACL,),
    permissions=("wafv2:ListWebACLs", "wafv2:GetWebACL", "wafv2:GetLoggingConfiguration"),
    regional=True,
)
def collect_wafv2(ctx: CollectContext) -> Iterator[Resource]:
    for item in _list_web_acls(ctx):
        yield _web_acl(ctx, item)
