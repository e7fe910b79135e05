"""The DuckDB store: runs, findings, each finding's life across runs, and run diffs."""

from cloudwarden.store.db import ENV_VAR, Store, default_path
from cloudwarden.store.models import Diff, FindingState, RunMeta, RunRecord, StoreError
from cloudwarden.store.snapshot_meta import snapshot_meta

__all__ = [
    "ENV_VAR",
    "Diff",
    "FindingState",
    "RunMeta",
    "RunRecord",
    "Store",
    "StoreError",
    "default_path",
    "snapshot_meta",
]
