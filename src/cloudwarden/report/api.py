"""The Renderer protocol, the context every format receives, and the renderer registry.

A format is one module in ``cloudwarden.report.formats`` holding one class decorated
with ``@renderer``; third-party formats register the same way from a module named
under the ``cloudwarden.renderers`` entry point group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol, TypeVar, runtime_checkable

from cloudwarden.controls import ControlCoverage
from cloudwarden.model import Finding
from cloudwarden.registry import Registry, RegistryError, load_builtin, load_entry_points
from cloudwarden.store.models import Diff


class ReportError(Exception):
    """An output could not be produced or written; the message is one line."""


def tool_version() -> str:
    try:
        return version("cloudwarden")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True, slots=True)
class HtmlSection:
    """A section another capability adds to the HTML report (IAM analysis, alerts, timelines).

    ``html`` is inserted as is: it must come from cloudwarden code that escaped
    whatever user or AWS data it contains (e.g. a Jinja2 template with autoescape).
    """

    title: str
    html: str
    id: str = ""


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What a renderer knows besides the findings: the run, its diff, optional extras.

    Every field has a default so a renderer can be called with ``ReportContext()``;
    ``generated_at`` and ``tool_version`` are fields (not read from the clock or the
    package inside renderers) so that golden-file tests get byte-identical output.
    """

    tool_version: str = field(default_factory=tool_version)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    run_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    accounts: tuple[str, ...] = ()
    snapshot_created_at: datetime | None = None
    diff: Diff | None = None
    coverage: Sequence[ControlCoverage] = ()
    first_seen: Mapping[str, datetime] = field(default_factory=dict)
    extra_sections: Sequence[HtmlSection] = ()
    title: str = "cloudwarden security report"
    home_region: str = "us-east-1"


@runtime_checkable
class Renderer(Protocol):
    name: str
    extension: str

    def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes: ...


RENDERERS: Registry[Renderer] = Registry("output format")
R = TypeVar("R", bound=type)


def renderer(cls: R) -> R:
    """Class decorator: register one instance of ``cls`` under its ``name``."""
    instance = cls()
    if not isinstance(instance, Renderer):
        raise RegistryError(f"{cls.__name__} does not implement the Renderer protocol")
    RENDERERS.add(instance.name, instance)
    return cls


_loaded = False


def all_renderers() -> list[Renderer]:
    """Every registered format: the builtin ones and the ``cloudwarden.renderers`` entry points."""
    global _loaded
    if not _loaded:
        load_builtin("cloudwarden.report.formats")
        load_entry_points("cloudwarden.renderers")
        _loaded = True
    return [r for _, r in RENDERERS.items()]


def get_renderer(name: str) -> Renderer:
    """The renderer called ``name``; ``ReportError`` (listing the known ones) otherwise."""
    names = {r.name: r for r in all_renderers()}
    if name not in names:
        raise ReportError(
            f"unknown output format {name!r} (expected one of: {', '.join(sorted(names))})"
        )
    return names[name]
