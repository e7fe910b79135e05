from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "elbv2_listener_https_only"
FORWARD = {
    "Type": "forward",
    "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1",
}
TO_HTTPS = {
    "Type": "redirect",
    "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
}
SAME_PROTOCOL = {
    "Type": "redirect",
    "RedirectConfig": {"Protocol": "#{protocol}", "Host": "www.example.com"},
}
DENY = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}


def lb(listeners: list[dict[str, Any]], kind: str = "application", **data: Any) -> Any:
    arn = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
    )
    return make_resource(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        arn,
        {"Type": kind, "Listeners": listeners, **data},
        name="web",
    )


def http(*actions: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    listener: dict[str, Any] = {"Protocol": "HTTP", "Port": 80, "DefaultActions": list(actions)}
    if rules is not None:
        listener["Rules"] = rules
    return listener


@pytest.mark.parametrize(
    ("listeners", "status", "reason"),
    [
        ([http(FORWARD)], Status.FAIL, "web serves plain HTTP without redirecting to HTTPS on HTTP :80 (default action forward)"),
        ([http(SAME_PROTOCOL)], Status.FAIL, "web serves plain HTTP without redirecting to HTTPS on HTTP :80 (default action redirect)"),
        ([http(TO_HTTPS)], Status.PASS, "web HTTP listener(s) HTTP :80 only redirect to HTTPS"),
        ([http(DENY)], Status.PASS, "web HTTP listener(s) HTTP :80 only redirect to HTTPS"),
        ([{"Protocol": "HTTPS", "Port": 443, "DefaultActions": [FORWARD]}], Status.PASS, "web has no plain HTTP listener"),
        # the default action redirects, but a path rule still forwards in clear text
        ([http(TO_HTTPS, rules=[{"Priority": "10", "Actions": [FORWARD]}, {"Priority": "default", "Actions": [TO_HTTPS]}])],
         Status.FAIL, "web serves plain HTTP without redirecting to HTTPS on HTTP :80 (rule 10 forward)"),
    ],
)  # fmt: skip
def test_http_listeners(listeners: list[dict[str, Any]], status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([lb(listeners)]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)


def test_only_application_load_balancers_and_errors() -> None:
    assert findings_for(make_snapshot([lb([http(FORWARD)], kind="network")]), CHECK) == []
    broken = lb([http(FORWARD)], _errors={"Rules": "elbv2:describe_rules: AccessDenied"})
    (finding,) = findings_for(make_snapshot([broken]), CHECK)
    assert finding.status is Status.NOT_ASSESSED
