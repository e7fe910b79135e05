"""Records the store hands out: runs, per-finding state, and the diff between two runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cloudwarden.model import Finding, Status


class StoreError(Exception):
    """The store cannot be used (locked, corrupt, too new, unwritable); the message is one line."""


def _now() -> datetime:
    return datetime.now(UTC)


class RunMeta(BaseModel):
    """What the caller knows about a run when recording it.

    ``snapshot`` holds snapshot metadata (creation time, partition, counts), not
    the snapshot itself: the snapshot file is the lossless record, the store keeps
    the findings and what is needed to tell runs apart.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "scan"
    status: str = "completed"
    started_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None
    accounts: tuple[str, ...] = ()
    snapshot: dict[str, Any] = Field(default_factory=dict)


class RunRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    seq: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime
    recorded_at: datetime
    accounts: tuple[str, ...]
    snapshot: dict[str, Any]
    finding_count: int


class FindingState(BaseModel):
    """A finding's life across runs.

    ``status`` is None once the latest run of the same kind no longer reports the
    finding (the resource is gone or no longer in scope); ``last_change`` is when the
    status last changed, so for a failing finding it reads "failing since".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    first_seen: datetime
    last_seen: datetime
    status: Status | None
    last_change: datetime
    first_run_id: str
    last_run_id: str


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two runs, counting only FAIL as "failing".

    ``new`` and ``still_failing`` hold findings of ``run_b``. Findings of ``run_a``
    that failed there and do not fail in ``run_b`` are ``resolved`` when they pass
    now or are gone (their ids are also in ``gone``), and ``unassessed`` when
    ``run_b`` could not assess them: a lost permission is not a fix, so it must not
    read as one.
    """

    run_a: str | None
    run_b: str
    new: tuple[Finding, ...] = ()
    still_failing: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    unassessed: tuple[Finding, ...] = ()
    gone: frozenset[str] = field(default_factory=frozenset)
