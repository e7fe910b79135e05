from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "elbv2_internet_facing_waf_attached"
ACL = {"Name": "edge", "ARN": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/1111"}


def lb(scheme: str = "internet-facing", kind: str = "application", **data: Any) -> Any:
    arn = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
    )
    return make_resource(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        arn,
        {"Type": kind, "Scheme": scheme, **data},
        name="shop",
    )


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (lb(WebACL=None), Status.FAIL, "internet-facing shop has no WAF web ACL associated"),
        (lb(WebACL=ACL), Status.PASS, "shop is protected by web ACL edge"),
        (lb(_errors={"WebACL": "wafv2:get_web_acl_for_resource: AccessDeniedException"}), Status.NOT_ASSESSED,
         "web ACL of shop unknown: wafv2:get_web_acl_for_resource: AccessDeniedException"),
    ],
)  # fmt: skip
def test_web_acl_association(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)


def test_internal_and_network_load_balancers_are_out_of_scope() -> None:
    snap = make_snapshot([lb(scheme="internal", WebACL=None)])
    assert findings_for(snap, CHECK) == []
    assert findings_for(make_snapshot([lb(kind="network")]), CHECK) == []
