"""securityhub_enabled_all_regions: a hub must exist in each scanned region."""

from __future__ import annotations

from cloudwarden.model import Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

HUB = "AWS::SecurityHub::Hub"


def scope(region: str) -> str:
    return f"arn:aws:securityhub:{region}:{ACCOUNT}:account"


def test_region_with_hub_passes_and_region_without_fails() -> None:
    hub = make_resource(HUB, f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default", {})
    snap = make_snapshot([hub], regions=("us-east-1", "eu-west-1"))
    found = {f.resource_arn: f for f in findings_for(snap, "securityhub_enabled_all_regions")}
    assert found[scope("us-east-1")].status is Status.PASS
    assert found[scope("eu-west-1")].status is Status.FAIL
    assert "not enabled in eu-west-1" in found[scope("eu-west-1")].status_reason


def test_denied_describe_hub_is_not_assessed_not_failed() -> None:
    error = collection_error(HUB, region="eu-west-1", code="AccessDeniedException")
    snap = make_snapshot([], regions=("eu-west-1",), errors=[error])
    assert [f.status for f in findings_for(snap, "securityhub_enabled_all_regions")] == [
        Status.NOT_ASSESSED
    ]
