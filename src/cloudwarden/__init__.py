"""cloudwarden: the AWS Well-Architected Security Pillar as working software.

The public names below are imported on first use (PEP 562), so that importing a
submodule -- as each worker process of the batch detection engine does, for DuckDB and
one module -- does not pay for the assessment's imports (0.4 s of a worker's start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudwarden.assess import Assessment, CheckSelection, assess_snapshot, scan
    from cloudwarden.inventory.snapshot import Snapshot
    from cloudwarden.model import Area, Finding, Remediation, Resource, Severity, Status

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {
    "Assessment": "cloudwarden.assess",
    "CheckSelection": "cloudwarden.assess",
    "assess_snapshot": "cloudwarden.assess",
    "scan": "cloudwarden.assess",
    "Snapshot": "cloudwarden.inventory.snapshot",
    "Area": "cloudwarden.model",
    "Finding": "cloudwarden.model",
    "Remediation": "cloudwarden.model",
    "Resource": "cloudwarden.model",
    "Severity": "cloudwarden.model",
    "Status": "cloudwarden.model",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudwarden' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
