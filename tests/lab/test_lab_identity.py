"""The identity family in the shared lab: what the manifest promises beyond "weakness fails,
twin does not" (which ``test_lab_manifest.py`` checks for every family).

Reads the one full lab build and organisation scan of the session fixture ``demo``.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.manifest import Weakness
from cloudwarden.model import Finding, Status

pytestmark = pytest.mark.lab

SERVICES = ("iam", "organizations", "account", "sso", "accessanalyzer")
PREFIXES = tuple(f"{s}_" for s in SERVICES)
MANIFEST = [
    Weakness.model_validate(entry)
    for entry in yaml.safe_load(
        (resources.files("cloudwarden.lab") / "manifest" / "identity.yaml").read_text(
            encoding="utf-8"
        )
    )
]


def identity_findings(demo: DemoResult) -> list[Finding]:
    return [f for f in demo.assessment.findings if f.source_id.startswith(PREFIXES)]


def test_manifest_has_at_least_twelve_entries() -> None:
    assert len(MANIFEST) >= 12
    assert {w.area for w in MANIFEST} == {"identity_access", "incident_response"}


def test_what_moto_cannot_show_is_not_assessed(demo: DemoResult) -> None:
    by_check: dict[str, set[Status]] = {}
    for f in identity_findings(demo):
        by_check.setdefault(f.source_id, set()).add(f.status)
    assert by_check["accessanalyzer_enabled_all_regions"] == {Status.NOT_ASSESSED}  # no backend
    assert by_check["iam_root_not_used_recently"] == {Status.NOT_ASSESSED}  # no <root_account> row


def test_organisation_is_judged_once_on_the_management_account(demo: DemoResult) -> None:
    found = [f for f in identity_findings(demo) if f.source_id == "organizations_scps_enabled"]
    assert [(f.account, f.status) for f in found] == [
        (demo.env.account_id("management"), Status.PASS)
    ]
