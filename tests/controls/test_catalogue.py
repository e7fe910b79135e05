"""The controls catalogue: 57 Well-Architected best practices, 70 CIS v7.0 requirements,
and which checks cover each one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudwarden.controls import (
    area_title,
    control_area,
    coverage,
    display_ref,
    load_controls,
    unknown_ids,
    wa_area,
)
from cloudwarden.model import Area

REFERENCE = Path("/work/shared/reference/wa_security_pillar.md")


@dataclass(frozen=True)
class Meta:
    id: str
    wa_ids: tuple[str, ...] = ()
    cis_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeCheck:
    meta: Meta


def test_catalogue_sizes_and_id_shapes() -> None:
    wa = load_controls("wa")
    cis = load_controls("cis")
    assert len(wa) == 57 and len(cis) == 70
    assert all(re.fullmatch(r"SEC(0[1-9]|1[01])-BP0[1-8]", c.id) for c in wa)
    assert all(re.fullmatch(r"cis:\d+(\.\d+)+", c.id) for c in cis)
    assert len({c.id for c in load_controls()}) == 127
    assert all(c.title and c.section for c in load_controls())
    assert {c.risk for c in wa} == {"High", "Medium", "Low"}


@pytest.mark.parametrize(
    ("cid", "area"),
    [
        ("SEC01-BP02", "security_foundations"),
        ("SEC02-BP01", "identity_access"),
        ("SEC03-BP07", "identity_access"),
        ("SEC04-BP01", "detection"),
        ("SEC05-BP02", "infrastructure_protection"),
        ("SEC06-BP01", "infrastructure_protection"),
        ("SEC07-BP01", "data_protection"),
        ("SEC08-BP02", "data_protection"),
        ("SEC09-BP02", "data_protection"),
        ("SEC10-BP04", "incident_response"),
        ("SEC11-BP02", "application_security"),
        ("cis:2.10", "identity_access"),
        ("cis:3.1.4", "data_protection"),
        ("cis:4.1", "detection"),
        ("cis:5.16", "detection"),
        ("cis:6.3", "infrastructure_protection"),
        ("cis:6.1.1", "data_protection"),
    ],
)
def test_pillar_area_of_each_control(cid: str, area: str) -> None:
    assert control_area(cid) == area


def test_foundations_and_application_security_have_no_cloudwarden_area() -> None:
    assert wa_area("SEC01-BP01") is None and wa_area("SEC11-BP02") is None
    assert wa_area("SEC04-BP03") is Area.DETECTION
    assert area_title("security_foundations") == "Security foundations"
    assert area_title("identity_access") == "Identity & access"


def test_display_refs() -> None:
    assert display_ref("cis:2.10") == "CIS 2.10"
    assert display_ref("SEC03-BP07") == "SEC03-BP07"


def test_coverage_lists_the_checks_naming_each_control() -> None:
    checks = [
        FakeCheck(Meta("s3_bucket_public_access_blocked", ("SEC03-BP07",), ("3.1.4",))),
        FakeCheck(Meta("s3_account_public_access_blocked", ("SEC03-BP07",), ("3.1.4",))),
        FakeCheck(Meta("guardduty_detector_enabled", ("SEC04-BP01", "SEC04-BP02"))),
    ]
    by_id = {c.control.id: c for c in coverage(checks)}
    assert len(by_id) == 127
    assert by_id["SEC03-BP07"].check_ids == (
        "s3_account_public_access_blocked",
        "s3_bucket_public_access_blocked",
    )
    assert by_id["cis:3.1.4"].covered
    assert by_id["SEC04-BP02"].check_ids == ("guardduty_detector_enabled",)
    assert not by_id["SEC10-BP07"].covered and by_id["SEC10-BP07"].check_ids == ()
    assert by_id["SEC04-BP02"].area == "detection"


def test_unknown_ids_names_the_check_and_the_id() -> None:
    checks = [
        FakeCheck(Meta("good_check_one", ("SEC03-BP07",), ("2.10",))),
        FakeCheck(Meta("bad_check_one", ("SEC03-BP99",), ("2.10", "9.9"))),
    ]
    assert unknown_ids(checks) == {"bad_check_one": ["SEC03-BP99", "CIS 9.9"]}


def test_builtin_checks_name_only_known_controls() -> None:
    from cloudwarden.checks.runner import all_checks

    assert unknown_ids(all_checks()) == {}


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference notes not available")
def test_catalogue_matches_its_generator_output() -> None:
    """The YAML was generated from the reference notes; hand edits must keep them in step."""
    import yaml

    from cloudwarden.controls._generate import parse

    generated = parse(REFERENCE.read_text(encoding="utf-8"))
    packaged = Path(__file__).parents[2] / "src/cloudwarden/controls/catalogue.yaml"
    assert yaml.safe_load(packaged.read_text(encoding="utf-8"))["controls"] == generated
