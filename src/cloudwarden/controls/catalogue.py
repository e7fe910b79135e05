"""The Well-Architected and CIS catalogues as data, and which checks cover each control.

Framework views are never kept as lists to edit: a control is covered by the checks
whose metadata names it (``wa=`` / ``cis=``), so adding a check updates every view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from cloudwarden.model import Area, Control

WA = "wa"
CIS = "cis"
CIS_PREFIX = "cis:"

#: Pillar areas that have no cloudwarden ``Area`` of their own.
EXTRA_AREA_TITLES = {
    "security_foundations": "Security foundations",
    "application_security": "Application security",
}


class CatalogueError(Exception):
    """The packaged catalogue is unreadable or malformed (a packaging bug, not a user error)."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    framework: Literal["wa", "cis"]
    title: str
    section: str
    area: str
    risk: str = ""
    assessment: str = ""


class CheckMetaLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def wa_ids(self) -> tuple[str, ...]: ...
    @property
    def cis_ids(self) -> tuple[str, ...]: ...


class CheckLike(Protocol):
    """Anything shaped like :class:`cloudwarden.checks.api.Check` (only ``meta`` is read)."""

    @property
    def meta(self) -> CheckMetaLike: ...


@dataclass(frozen=True, slots=True)
class ControlCoverage:
    control: Control
    area: str
    check_ids: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.check_ids)


@cache
def _entries() -> tuple[_Entry, ...]:
    text = files("cloudwarden.controls").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)["controls"]
        entries = tuple(_Entry.model_validate(item) for item in raw)
    except (yaml.YAMLError, KeyError, TypeError, ValidationError) as exc:
        raise CatalogueError(f"controls catalogue is malformed: {exc}") from None
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise CatalogueError("controls catalogue has duplicate ids")
    return entries


def load_controls(framework: str | None = None) -> list[Control]:
    """Every control in catalogue order (Well-Architected first, then CIS)."""
    return [
        Control(id=e.id, framework=e.framework, title=e.title, section=e.section, risk=e.risk)
        for e in _entries()
        if framework is None or e.framework == framework
    ]


def control_id(framework: str, ref: str) -> str:
    """The catalogue id of a reference as checks write it: (``cis``, ``2.10``) -> ``cis:2.10``."""
    return f"{CIS_PREFIX}{ref}" if framework == CIS else ref


def display_ref(control_or_id: Control | str) -> str:
    """How people write the id: ``SEC03-BP07``, ``CIS 2.10``."""
    cid = control_or_id if isinstance(control_or_id, str) else control_or_id.id
    return f"CIS {cid.removeprefix(CIS_PREFIX)}" if cid.startswith(CIS_PREFIX) else cid


def control_area(cid: str) -> str:
    """The pillar area key of a control: an ``Area`` value or a key of ``EXTRA_AREA_TITLES``."""
    for e in _entries():
        if e.id == cid:
            return e.area
    raise KeyError(cid)


def wa_area(cid: str) -> Area | None:
    """The cloudwarden ``Area`` of a control; None for foundations and application security."""
    key = control_area(cid)
    return Area(key) if key in {a.value for a in Area} else None


def area_title(key: str) -> str:
    return Area(key).label if key in {a.value for a in Area} else EXTRA_AREA_TITLES.get(key, key)


def _referenced(check: CheckLike) -> list[str]:
    meta = check.meta
    return [control_id(WA, r) for r in meta.wa_ids] + [control_id(CIS, r) for r in meta.cis_ids]


def coverage(checks: Iterable[CheckLike]) -> list[ControlCoverage]:
    """For every control of the catalogue, the ids of the checks that name it (sorted)."""
    by_control: dict[str, set[str]] = {}
    for chk in checks:
        for cid in _referenced(chk):
            by_control.setdefault(cid, set()).add(chk.meta.id)
    return [
        ControlCoverage(
            control=Control(
                id=e.id, framework=e.framework, title=e.title, section=e.section, risk=e.risk
            ),
            area=e.area,
            check_ids=tuple(sorted(by_control.get(e.id, ()))),
        )
        for e in _entries()
    ]


def unknown_ids(checks: Iterable[CheckLike]) -> dict[str, list[str]]:
    """Check id -> the control ids it names that the catalogue does not know (empty when sound)."""
    known = {e.id for e in _entries()}
    bad: dict[str, list[str]] = {}
    for chk in checks:
        missing = [display_ref(cid) for cid in _referenced(chk) if cid not in known]
        if missing:
            bad[chk.meta.id] = missing
    return bad
