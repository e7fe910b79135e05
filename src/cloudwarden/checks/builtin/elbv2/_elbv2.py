"""Readers shared by the ELBv2 checks: listeners, attributes, and TLS policy knowledge."""

from __future__ import annotations

import re
from typing import Any

from cloudwarden.model import Resource

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
TLS_PROTOCOLS = ("HTTPS", "TLS")
OLD_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")

# Predefined policy names carry their minimum version: ...-TLS13-1-2-..., ...-TLS-1-1-...,
# ...-FS-1-2-... . The older names without one all negotiate TLS 1.0.
_MIN_VERSION = re.compile(r"-(?:TLS13|TLS|FS)-1-(\d)-")
_TLS10_NAMES = {
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-FS-2018-06",
}


def listeners(lb: Resource) -> list[dict[str, Any]]:
    return list(lb.data.get("Listeners") or [])


def listener_label(listener: dict[str, Any]) -> str:
    return f"{listener.get('Protocol')} :{listener.get('Port')}"


def attributes(lb: Resource) -> dict[str, str]:
    return {str(a.get("Key")): str(a.get("Value")) for a in lb.data.get("Attributes") or []}


def old_protocols(policy: str, lb: Resource) -> list[str] | None:
    """The pre-TLS-1.2 protocols ``policy`` allows ([] for none), or None if unknown.

    What AWS reported for the policy (``DescribeSSLPolicies``, kept in
    ``data["SslPolicies"]``) wins; otherwise the version is read from the predefined
    policy's name.
    """
    for known in lb.data.get("SslPolicies") or []:
        if known.get("Name") == policy and known.get("SslProtocols"):
            return [p for p in OLD_PROTOCOLS if p in known["SslProtocols"]]
    if policy in _TLS10_NAMES:
        return ["TLSv1", "TLSv1.1"]
    m = _MIN_VERSION.search(policy)
    if m is None:
        return None
    minor = int(m.group(1))
    return ["TLSv1", "TLSv1.1"][minor:2] if minor < 2 else []
