from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "elbv2_access_logging_enabled"


def lb(attrs: dict[str, str] | None, kind: str = "application", **data: Any) -> Any:
    arn = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
    )
    body: dict[str, Any] = {"Type": kind, **data}
    if attrs is not None:
        body["Attributes"] = [{"Key": k, "Value": v} for k, v in attrs.items()]
    return make_resource("AWS::ElasticLoadBalancingV2::LoadBalancer", arn, body, name="shop")


LOGGING = {
    "access_logs.s3.enabled": "true",
    "access_logs.s3.bucket": "logs",
    "access_logs.s3.prefix": "shop",
}


@pytest.mark.parametrize(
    ("resource", "status", "reason"),
    [
        (lb(LOGGING), Status.PASS, "shop delivers access logs to s3://logs/shop"),
        (lb({"access_logs.s3.enabled": "false"}), Status.FAIL, "shop has access_logs.s3.enabled false or unset"),
        (lb({"access_logs.s3.bucket": ""}), Status.FAIL, "shop has access_logs.s3.enabled false or unset"),
        (lb(None, _errors={"Attributes": "AccessDenied"}), Status.NOT_ASSESSED, "attributes of shop unknown: AccessDenied"),
        (lb({}, kind="network", Listeners=[{"Protocol": "TLS"}]), Status.FAIL, "shop has access_logs.s3.enabled false or unset"),
    ],
)  # fmt: skip
def test_access_logs(resource: Any, status: Status, reason: str) -> None:
    (finding,) = findings_for(make_snapshot([resource]), CHECK)
    assert (finding.status, finding.status_reason) == (status, reason)


def test_load_balancers_that_write_no_access_logs_are_skipped() -> None:
    tcp_only = lb({}, kind="network", Listeners=[{"Protocol": "TCP"}])
    gateway = lb({}, kind="gateway")
    assert findings_for(make_snapshot([tcp_only, gateway]), CHECK) == []
