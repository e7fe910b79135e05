"""Well-Architected Security Pillar and CIS AWS Foundations catalogues, as data."""

from cloudwarden.controls.catalogue import (
    CIS,
    WA,
    CatalogueError,
    CheckLike,
    ControlCoverage,
    area_title,
    control_area,
    control_id,
    coverage,
    display_ref,
    load_controls,
    unknown_ids,
    wa_area,
)

__all__ = [
    "CIS",
    "WA",
    "CatalogueError",
    "CheckLike",
    "ControlCoverage",
    "area_title",
    "control_area",
    "control_id",
    "coverage",
    "display_ref",
    "load_controls",
    "unknown_ids",
    "wa_area",
]
