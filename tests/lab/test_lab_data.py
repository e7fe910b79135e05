"""The data-protection family (S3, KMS, Secrets Manager, SSM, RDS) in the shared lab: what
the manifest promises beyond "weakness fails, twin does not" (which ``test_lab_manifest.py``
checks for every family).

Reads the one full lab build and organisation scan of the session fixture ``demo``; other
families' seeders add resources and checks of their own, so everything here is narrowed to
the data services and checks.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from cloudwarden.checks.runner import all_checks
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import Weakness
from cloudwarden.model import Finding, Status

pytestmark = pytest.mark.lab

SERVICES = ("s3", "kms", "secretsmanager", "ssm", "rds")
PREFIXES = ("s3_", "kms_", "secretsmanager_", "ssm_", "rds_")


def data_manifest() -> list[Weakness]:
    text = (resources.files("cloudwarden.lab") / "manifest" / "data.yaml").read_text("utf-8")
    return [Weakness.model_validate(e) for e in yaml.safe_load(text)]


def data_findings(demo: DemoResult) -> list[Finding]:
    return [f for f in demo.assessment.findings if f.source_id.startswith(PREFIXES)]


def statuses(demo: DemoResult, check: str, arn: str) -> set[Status]:
    return {
        f.status for f in demo.assessment.findings if f.source_id == check and f.resource_arn == arn
    }


def test_manifest_is_large_enough_and_well_formed() -> None:
    entries = data_manifest()
    assert len(entries) >= 14
    assert len({e.id for e in entries}) == len(entries)
    known = {c.id for c in all_checks()}
    assert all(set(e.checks) <= known for e in entries)


@pytest.mark.parametrize(
    ("check", "weak", "twin"),
    [
        ("kms_key_rotation_enabled", "cw-lab-key-unrotated", "cw-lab-key-rotated"),
        ("kms_key_policy_not_public", "cw-lab-key-public", "cw-lab-key-shared"),
        ("kms_key_not_pending_deletion", "cw-lab-key-doomed", "cw-lab-key-kept"),
    ],
)
def test_kms_keys_are_judged_exactly(demo: DemoResult, check: str, weak: str, twin: str) -> None:
    """Stricter than the manifest test: the weak key only FAILs and its twin PASSes (is not
    merely left unflagged). Key ids are random; the seeder publishes ARNs in ``refs``."""
    assert statuses(demo, check, demo.env.refs[weak]) == {Status.FAIL}
    assert statuses(demo, check, demo.env.refs[twin]) == {Status.PASS}


def test_everything_was_collected(demo: DemoResult) -> None:
    assert [e for e in demo.assessment.snapshot.errors if e.service in SERVICES] == []
    assert not [f for f in data_findings(demo) if f.status is Status.NOT_ASSESSED]


def test_hardened_bucket_passes_every_s3_check(demo: DemoResult) -> None:
    arn = f"arn:aws:s3:::cw-lab-data-hardened-{demo.env.account_id('dev')}"
    results = {
        f.source_id: f.status
        for f in demo.assessment.findings
        if f.resource_arn == arn and f.source_id.startswith("s3_")
    }
    assert len(results) == 7
    assert set(results.values()) == {Status.PASS}, results
