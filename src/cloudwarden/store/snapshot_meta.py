"""What a run record keeps about the snapshot it assessed."""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import Snapshot


def snapshot_meta(snapshot: Snapshot) -> dict[str, Any]:
    """Small, JSON-ready facts about a snapshot: enough to tell runs apart and explain gaps."""
    return {
        "format": snapshot.format,
        "version": snapshot.version,
        "created_at": snapshot.created_at.isoformat(),
        "partition": snapshot.partition,
        "accounts": [a.id for a in snapshot.accounts],
        "regions": sorted({r for a in snapshot.accounts for r in a.regions}),
        "resources": len(snapshot.resources),
        "collection_errors": len(snapshot.errors),
    }
