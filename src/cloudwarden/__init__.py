"""cloudwarden: the AWS Well-Architected Security Pillar as working software."""

from __future__ import annotations

from cloudwarden.assess import Assessment, CheckSelection, assess_snapshot, scan
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Area, Finding, Remediation, Resource, Severity, Status

__version__ = "0.1.0"

__all__ = [
    "Area",
    "Assessment",
    "CheckSelection",
    "Finding",
    "Remediation",
    "Resource",
    "Severity",
    "Snapshot",
    "Status",
    "__version__",
    "assess_snapshot",
    "scan",
]
