"""The detection / incident-response family in the shared lab: what the manifest promises
beyond "weakness fails, twin does not" (which ``test_lab_manifest.py`` checks for every
family).

Reads the one full lab build and organisation scan of the session fixture ``demo``; other
families' seeders add resources and checks of their own, so everything here is narrowed to
the detection services (and S3, for the trail buckets) and the checks that read them.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from cloudwarden.checks.runner import all_checks
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import Weakness
from cloudwarden.lab.seed.detection import FAKE_SECRET
from cloudwarden.model import Finding, Status

pytestmark = pytest.mark.lab

SERVICES = (
    "cloudtrail",
    "guardduty",
    "securityhub",
    "config",
    "events",
    "logs",
    "cloudwatch",
    "sns",
    "lambda",
    "s3",
)
PREFIXES = (
    "cloudtrail_",
    "guardduty_",
    "securityhub_",
    "config_",
    "events_",
    "logs_",
    "cloudwatch_",
    "awslambda_",
)


def detection_manifest() -> list[Weakness]:
    text = (resources.files("cloudwarden.lab") / "manifest" / "detection.yaml").read_text("utf-8")
    return [Weakness.model_validate(e) for e in yaml.safe_load(text)]


def detection_findings(demo: DemoResult) -> list[Finding]:
    return [f for f in demo.assessment.findings if f.source_id.startswith(PREFIXES)]


def test_manifest_is_large_enough_and_well_formed() -> None:
    entries = detection_manifest()
    assert len(entries) >= 14
    assert len({e.id for e in entries}) == len(entries)
    known = {c.id for c in all_checks()}
    assert all(set(e.checks) <= known for e in entries)


def test_the_well_run_account_passes_every_detection_check(demo: DemoResult) -> None:
    """prod is the reference account: nothing planted there may fail, nothing goes unassessed."""
    prod = demo.env.account_id("prod")
    bad = [
        (f.source_id, f.resource_arn, f.status_reason)
        for f in detection_findings(demo)
        if f.account == prod and f.status is not Status.PASS
    ]
    assert bad == []


def test_collection_is_clean_and_no_secret_reaches_the_snapshot(demo: DemoResult) -> None:
    snapshot = demo.assessment.snapshot
    assert [e for e in snapshot.errors if e.service in SERVICES and e.service != "s3"] == []
    assert FAKE_SECRET not in snapshot.model_dump_json()
