"""The network, compute and load-balancer family (EC2, ELBv2, WAFv2) in the shared lab: what
the manifest promises beyond "weakness fails, twin does not" (which ``test_lab_manifest.py``
checks for every family).

Reads the one full lab build and organisation scan of the session fixture ``demo``; other
families' seeders add resources and checks of their own, so everything here is narrowed to
the network services and checks.
"""

from __future__ import annotations

import gzip
from importlib import resources

import pytest
import yaml

from cloudwarden.checks.runner import all_checks
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import Weakness
from cloudwarden.lab.seed.network import FAKE_KEY_ID, FAKE_SECRET
from cloudwarden.model import Finding, Status

pytestmark = pytest.mark.lab

SERVICES = ("ec2", "elbv2", "wafv2")
PREFIXES = ("ec2_", "vpc_", "elbv2_")


def network_manifest() -> list[Weakness]:
    text = (resources.files("cloudwarden.lab") / "manifest" / "network.yaml").read_text("utf-8")
    return [Weakness.model_validate(e) for e in yaml.safe_load(text)]


def network_findings(demo: DemoResult) -> list[Finding]:
    return [f for f in demo.assessment.findings if f.source_id.startswith(PREFIXES)]


def test_manifest_is_large_enough_and_well_formed() -> None:
    entries = network_manifest()
    assert len(entries) >= 14
    assert len({e.id for e in entries}) == len(entries)
    known = {c.id for c in all_checks()}
    assert all(set(e.checks) <= known for e in entries)


def test_everything_was_collected(demo: DemoResult) -> None:
    assert [e for e in demo.assessment.snapshot.errors if e.service in SERVICES] == []
    assert [
        f.status_reason for f in network_findings(demo) if f.status is Status.NOT_ASSESSED
    ] == []


def test_hardened_bastion_passes_every_instance_check(demo: DemoResult) -> None:
    bastion = demo.env.refs["net-instance-bastion-hardened"]
    instances = demo.assessment.snapshot.of_type("AWS::EC2::Instance")
    assert [r.name for r in instances if r.arn == bastion] == ["cw-lab-bastion-hardened"]
    results = {f.source_id: f.status for f in network_findings(demo) if f.resource_arn == bastion}
    assert len(results) == 4
    assert set(results.values()) == {Status.PASS}, results


def test_planted_secret_is_reported_but_never_stored(demo: DemoResult) -> None:
    raw = gzip.decompress(demo.assessment.snapshot.to_bytes()).decode()
    assert FAKE_KEY_ID not in raw and FAKE_SECRET not in raw
    reasons = [
        f.status_reason
        for f in demo.assessment.findings
        if f.source_id == "ec2_instance_user_data_no_secrets"
    ]
    assert any("AKIA********" in r for r in reasons)
