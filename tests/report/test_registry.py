"""Renderers are plugins: found by registry, addressed by name, added by decorator."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cloudwarden.model import Finding
from cloudwarden.registry import RegistryError
from cloudwarden.report import (
    RENDERERS,
    Renderer,
    ReportContext,
    ReportError,
    all_renderers,
    get_renderer,
    renderer,
)


def test_builtin_formats_are_registered() -> None:
    names = {r.name for r in all_renderers()}
    assert {"ocsf", "asff", "sarif", "csv", "html"} <= names
    for r in all_renderers():
        assert isinstance(r, Renderer)
        assert r.extension and not r.extension.startswith(".")


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ReportError, match=r"unknown output format 'xml' \(expected one of: .*ocsf"):
        get_renderer("xml")


def test_a_new_format_is_one_decorated_class(
    findings: list[Finding], context: ReportContext
) -> None:
    @renderer
    class CountRenderer:
        name = "test-count"
        extension = "txt"

        def render(self, findings: Sequence[Finding], context: ReportContext) -> bytes:
            return str(len(findings)).encode()

    try:
        assert get_renderer("test-count").render(findings, context) == b"8"
    finally:
        RENDERERS._items.pop("test-count")


def test_a_class_without_render_is_refused() -> None:
    class NotARenderer:
        name = "broken"
        extension = "txt"

    with pytest.raises(RegistryError):
        renderer(NotARenderer)
