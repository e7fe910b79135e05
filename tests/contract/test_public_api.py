"""The curated public API: what ``import cloudwarden`` promises, and nothing it cannot keep."""

from __future__ import annotations

import cloudwarden

EXPECTED = {
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
}


def test_public_names_are_curated() -> None:
    assert set(cloudwarden.__all__) >= EXPECTED
    for name in cloudwarden.__all__:
        assert hasattr(cloudwarden, name), name
