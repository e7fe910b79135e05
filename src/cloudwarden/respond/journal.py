"""The respond journal: an append-only record of every playbook run, in the store.

Each run has one ``respond_runs`` row (the playbook, the incident, the mode) and a
numbered list of ``respond_journal`` entries. Nothing is ever updated or deleted: a
run's status is read from its entries. The order of writes is what makes a run
crash-safe:

* ``intent`` is committed *before* an action's mutating calls, with the parameters,
  the planned calls and the before-state;
* ``done`` (with the result read back from AWS) is committed *after* them.

So a runner killed at any point leaves either nothing for a step, or an intent without
a result. On restart the runner re-plans such a step: the action's read-only plan says
whether the change is in place (recorded as ``recovered``) or not (applied again), and no
step is ever both done in AWS and missing from the journal.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from cloudwarden.store import Store

__all__ = ["ENTRY_KINDS", "Journal", "JournalEntry", "RunInfo", "new_run_id"]

ENTRY_KINDS = frozenset(
    {
        "run-started",
        "run-resumed",
        "planned",  # dry run: what would be called
        "intent",  # before the mutating calls
        "done",  # after them, with the result
        "noop",  # the plan found the change already in place
        "recovered",  # an intent without a result, found done on restart
        "refused",  # out of scope or exempt
        "needs-input",  # a required input has no value: the run ends, nothing was tried
        "not-applicable",  # the resource to act on does not exist: the run ends unchanged
        "skipped",
        "retry",
        "waiting",
        "failed",
        "awaiting-approval",
        "approved",
        "choice",
        "manual",
        "record",
        "paused",
        "run-finished",
        "rollback-started",
        "rollback-intent",
        "rolled-back",
        "rollback-refused",
        "rollback-failed",
        "rollback-finished",
    }
)
# entries after which a run stands still; anything else means it is running or was killed
_SETTLING = frozenset({"run-finished", "paused", "rollback-finished"})
_RESTARTING = frozenset({"run-resumed", "rollback-started"})


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return f"ir-{datetime.now(UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def _dump(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _load(value: Any) -> Any:
    if isinstance(value, str):
        return orjson.loads(value)
    return value


@dataclass(frozen=True)
class RunInfo:
    """One run as started: which playbook, for which incident, in which mode."""

    run_id: str
    playbook: str
    incident_key: str
    trigger_kind: str
    trigger_id: str
    mode: str
    started_at: datetime
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JournalEntry:
    run_id: str
    seq: int
    at: datetime
    kind: str
    step: str = ""
    action: str = ""
    phase: str = ""
    attempt: int = 0
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.replace(tzinfo=UTC).isoformat(),
            "kind": self.kind,
            "step": self.step,
            "action": self.action,
            "phase": self.phase,
            "attempt": self.attempt,
            "message": self.message,
            "data": dict(self.data),
        }


_RUN_COLUMNS = "run_id, playbook, incident_key, trigger_kind, trigger_id, mode, started_at, context"
_ENTRY_COLUMNS = 'run_id, seq, "at", kind, step, action, phase, attempt, message, data'
_APPEND = (
    "INSERT INTO respond_journal SELECT ?, "
    "coalesce((SELECT max(seq) FROM respond_journal WHERE run_id = ?), 0) + 1, "
    "?, ?, ?, ?, ?, ?, ?, ?::JSON"
)


def _run(row: tuple[Any, ...]) -> RunInfo:
    return RunInfo(
        run_id=row[0],
        playbook=row[1],
        incident_key=row[2],
        trigger_kind=row[3],
        trigger_id=row[4],
        mode=row[5],
        started_at=row[6],
        context=_load(row[7]),
    )


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        run_id=row[0],
        seq=int(row[1]),
        at=row[2],
        kind=row[3],
        step=row[4],
        action=row[5],
        phase=row[6],
        attempt=int(row[7]),
        message=row[8],
        data=_load(row[9]) or {},
    )


class Journal:
    """Reads and appends journal rows through one open :class:`~cloudwarden.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start_run(self, info: RunInfo, message: str) -> None:
        """The run's row and its ``run-started`` entry, in one transaction."""
        self.store.write(
            [
                (
                    f"INSERT INTO respond_runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?::JSON)",
                    [
                        info.run_id,
                        info.playbook,
                        info.incident_key,
                        info.trigger_kind,
                        info.trigger_id,
                        info.mode,
                        info.started_at.astimezone(UTC).replace(tzinfo=None)
                        if info.started_at.tzinfo
                        else info.started_at,
                        _dump(dict(info.context)),
                    ],
                ),
                self._append_sql(info.run_id, "run-started", message=message),
            ]
        )

    def _append_sql(
        self,
        run_id: str,
        kind: str,
        *,
        step: str = "",
        action: str = "",
        phase: str = "",
        attempt: int = 0,
        message: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> tuple[str, list[Any]]:
        if kind not in ENTRY_KINDS:
            raise ValueError(f"unknown journal entry kind {kind!r}")
        params = [run_id, run_id, _now(), kind, step, action, phase, attempt, message]
        return _APPEND, [*params, _dump(dict(data or {}))]

    def append(
        self,
        run_id: str,
        kind: str,
        *,
        step: str = "",
        action: str = "",
        phase: str = "",
        attempt: int = 0,
        message: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one entry, committed before this returns."""
        sql = self._append_sql(
            run_id,
            kind,
            step=step,
            action=action,
            phase=phase,
            attempt=attempt,
            message=message,
            data=data,
        )
        self.store.write([sql])

    def run(self, run_id: str) -> RunInfo | None:
        rows = self.store.query(
            f"SELECT {_RUN_COLUMNS} FROM respond_runs WHERE run_id = ?", [run_id]
        )
        return _run(rows[0]) if rows else None

    def runs(self, incident_key: str | None = None, playbook: str | None = None) -> list[RunInfo]:
        """Runs, oldest first, optionally for one incident and playbook."""
        where: list[str] = []
        params: list[Any] = []
        if incident_key is not None:
            where.append("incident_key = ?")
            params.append(incident_key)
        if playbook is not None:
            where.append("playbook = ?")
            params.append(playbook)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {_RUN_COLUMNS} FROM respond_runs{clause} ORDER BY started_at, run_id"
        return [_run(r) for r in self.store.query(sql, params)]

    def entries(self, run_id: str) -> list[JournalEntry]:
        rows = self.store.query(
            f"SELECT {_ENTRY_COLUMNS} FROM respond_journal WHERE run_id = ? ORDER BY seq",
            [run_id],
        )
        return [_entry(r) for r in rows]


def run_status(entries: list[JournalEntry]) -> str:
    """``done``, ``failed``, ``dry-run``, ``awaiting-approval``, ``rolled-back``, …, or
    ``interrupted`` for a run that is running now or was killed (it has not settled)."""
    status = "interrupted"
    for entry in entries:
        if entry.kind in _SETTLING:
            status = str(entry.data.get("status", entry.kind))
        elif entry.kind in _RESTARTING:
            status = "interrupted"
    return status
