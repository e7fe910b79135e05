from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "elbv2_listener_tls_1_2_or_higher"


def lb(*listeners: dict[str, Any], **data: Any) -> Any:
    arn = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
    )
    return make_resource(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        arn,
        {"Type": "application", "Listeners": list(listeners), **data},
        name="web",
    )


def https(policy: str, port: int = 443) -> dict[str, Any]:
    return {"Protocol": "HTTPS", "Port": port, "SslPolicy": policy}


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        ("ELBSecurityPolicy-2016-08", Status.FAIL),  # the long-time default: TLS 1.0-1.2
        ("ELBSecurityPolicy-TLS-1-1-2017-01", Status.FAIL),
        ("ELBSecurityPolicy-TLS13-1-0-2021-06", Status.FAIL),
        ("ELBSecurityPolicy-FS-2018-06", Status.FAIL),
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", Status.PASS),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", Status.PASS),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", Status.PASS),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", Status.PASS),
        ("ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", Status.PASS),
        ("SomeFuturePolicyName", Status.NOT_ASSESSED),
    ],
)
def test_policy_names(policy: str, status: Status) -> None:
    (finding,) = findings_for(make_snapshot([lb(https(policy))]), CHECK)
    assert finding.status is status


def test_protocols_reported_by_aws_win_over_the_name() -> None:
    reported = [{"Name": "Custom-2025", "SslProtocols": ["TLSv1.2", "TLSv1.1"]}]
    (finding,) = findings_for(
        make_snapshot([lb(https("Custom-2025"), SslPolicies=reported)]), CHECK
    )
    assert finding.status is Status.FAIL
    assert finding.status_reason == "web listener HTTPS :443 uses Custom-2025, which allows TLSv1.1"


def test_reasons_name_listener_and_policy() -> None:
    snap = make_snapshot(
        [lb(https("ELBSecurityPolicy-2016-08"), https("ELBSecurityPolicy-TLS13-1-2-2021-06", 8443))]
    )
    (finding,) = findings_for(snap, CHECK)
    assert finding.status_reason == (
        "web listener HTTPS :443 uses ELBSecurityPolicy-2016-08, which allows TLSv1, TLSv1.1"
    )


def test_plain_http_listener_is_not_this_checks_business() -> None:
    # emulators report an SslPolicy even on HTTP listeners; only HTTPS/TLS ones count
    http = {"Protocol": "HTTP", "Port": 80, "SslPolicy": "ELBSecurityPolicy-2016-08"}
    assert findings_for(make_snapshot([lb(http)]), CHECK) == []


def test_nlb_tls_listener_and_unreadable_listeners() -> None:
    tls = {"Protocol": "TLS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    (ok,) = findings_for(make_snapshot([lb(tls, Type="network")]), CHECK)
    assert (
        ok.status_reason == "web TLS listeners use ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2+)"
    )
    broken = lb(_errors={"Listeners": "elbv2:describe_listeners: AccessDenied"})
    (na,) = findings_for(make_snapshot([broken]), CHECK)
    assert na.status is Status.NOT_ASSESSED
