"""Elastic Load Balancing v2 (application, network and gateway load balancers).

Each load balancer carries what its checks need, under the API's own key names:

- ``Listeners`` (``DescribeListeners``); each plain-HTTP listener also gets its
  ``Rules`` (``DescribeRules``), because any rule, not only the default action, may
  forward traffic unencrypted;
- ``Attributes`` (``DescribeLoadBalancerAttributes``): access logs and the like;
- ``SslPolicies``: the predefined policies its HTTPS/TLS listeners name, with the
  protocols AWS says each negotiates (``DescribeSSLPolicies``, listed once per region);
- ``WebACL`` (WAFv2 ``GetWebACLForResource``, application load balancers only, since
  only they can carry a web ACL): the associated web ACL, or None.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.inventory.services.ec2 import jsonable, with_errors
from cloudwarden.model import Resource

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
_TLS_PROTOCOLS = ("HTTPS", "TLS")


class _PolicyCatalog:
    """The region's predefined SSL policies, fetched on first need."""

    def __init__(self, ctx: CollectContext) -> None:
        self._ctx = ctx
        self._policies: dict[str, dict[str, Any]] | None = None
        self._errors: dict[str, str] = {}

    def lookup(self, names: set[str], errors: dict[str, str]) -> list[dict[str, Any]]:
        if self._policies is None:
            resp = self._ctx.detail("elbv2", "describe_ssl_policies", self._errors, "SslPolicies")
            listed = resp.get("SslPolicies", []) if resp else []
            self._policies = {
                p["Name"]: {k: p[k] for k in ("Name", "SslProtocols") if k in p} for p in listed
            }
        errors.update(self._errors)
        return [self._policies[n] for n in sorted(names) if n in self._policies]


def _listeners(ctx: CollectContext, arn: str, errors: dict[str, str]) -> list[dict[str, Any]]:
    resp = ctx.detail("elbv2", "describe_listeners", errors, "Listeners", LoadBalancerArn=arn)
    if resp is None:
        return []
    listeners: list[dict[str, Any]] = jsonable(resp.get("Listeners", []))
    for listener in listeners:
        if listener.get("Protocol") == "HTTP":
            rules = ctx.detail(
                "elbv2", "describe_rules", errors, "Rules", ListenerArn=listener["ListenerArn"]
            )
            if rules is not None:
                listener["Rules"] = jsonable(rules.get("Rules", []))
    return listeners


def _web_acl(ctx: CollectContext, arn: str, data: dict[str, Any], errors: dict[str, str]) -> None:
    resp = ctx.detail("wafv2", "get_web_acl_for_resource", errors, "WebACL", ResourceArn=arn)
    if "WebACL" not in errors:
        data["WebACL"] = jsonable(resp.get("WebACL")) if resp else None


def _load_balancer(ctx: CollectContext, item: dict[str, Any], catalog: _PolicyCatalog) -> Resource:
    arn = item["LoadBalancerArn"]
    errors: dict[str, str] = {}
    data = jsonable(item)
    listeners = _listeners(ctx, arn, errors)
    if "Listeners" not in errors:
        data["Listeners"] = listeners
    attrs = ctx.detail(
        "elbv2", "describe_load_balancer_attributes", errors, "Attributes", LoadBalancerArn=arn
    )
    if attrs is not None:
        data["Attributes"] = jsonable(attrs.get("Attributes", []))
    used = {
        str(x["SslPolicy"])
        for x in listeners
        if x.get("Protocol") in _TLS_PROTOCOLS and x.get("SslPolicy")
    }
    if used:
        data["SslPolicies"] = catalog.lookup(used, errors)
    if item.get("Type") == "application":
        _web_acl(ctx, arn, data, errors)
    return ctx.resource(
        LOAD_BALANCER,
        arn=arn,
        id=arn.split("loadbalancer/", 1)[-1],
        name=item.get("LoadBalancerName", ""),
        data=with_errors(data, errors),
    )


@collector(
    service="elbv2",
    resource_types=(LOAD_BALANCER,),
    permissions=(
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeSSLPolicies",
        "wafv2:GetWebACLForResource",
    ),
    regional=True,
)
def collect_elbv2(ctx: CollectContext) -> Iterator[Resource]:
    catalog = _PolicyCatalog(ctx)
    for item in ctx.paginate("elbv2", "describe_load_balancers", "LoadBalancers"):
        yield _load_balancer(ctx, item, catalog)
