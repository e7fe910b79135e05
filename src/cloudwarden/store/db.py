"""The DuckDB store: every run's findings, and each finding's life across runs.

One file, one writer: DuckDB locks the file for the process that opens it
read-write, so a second cloudwarden writing to the same store gets a ``StoreError``
naming the holder instead of a traceback. Recording a run is one transaction, so a
crash or an error part-way leaves the earlier runs intact and no partial run behind.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import platformdirs

from cloudwarden.model import Area, Finding, Severity, Status
from cloudwarden.store import queries
from cloudwarden.store.alerts import (
    INSERT_ALERTS,
    alert_filters,
    alert_from_json,
    alerts_document,
)
from cloudwarden.store.models import Diff, FindingState, RunMeta, RunRecord, StoreError
from cloudwarden.store.rows import (
    INSERT_FROM_JSON,
    SELECT_FINDING,
    FindingReader,
    by_id,
    dump_json,
    findings_document,
    run_from_row,
    state_from_row,
    status_or_none,
    to_utc_naive,
)
from cloudwarden.store.schema import MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE

ENV_VAR = "CLOUDWARDEN_DB"
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def default_path() -> Path:
    """``$CLOUDWARDEN_DB`` if set, else ``cloudwarden.duckdb`` in the user's data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("cloudwarden")) / "cloudwarden.duckdb"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_error(path: Path, exc: duckdb.Error) -> StoreError:
    message = str(exc)
    if "could not set lock" in message.lower() or "conflicting lock" in message.lower():
        pid = _LOCK_PID.search(message)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return StoreError(
            f"store {path} is in use by another process{holder}; "
            "wait for it to finish or use another store file"
        )
    if "not a valid duckdb database" in message.lower() or isinstance(
        exc, duckdb.SerializationException
    ):
        return StoreError(
            f"store {path} is not a valid cloudwarden store (corrupt or foreign file)"
        )
    return StoreError(f"cannot open store {path}: {_one_line(exc)}")


class Store:
    """A handle on one store file. Use ``Store.open(path)``; close it (or use ``with``).

    One handle is meant for one thread at a time, like the DuckDB connection it wraps.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

    # -- lifecycle -----------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Store:
        """Open (creating and migrating as needed) the store at ``path`` or the default one."""
        target = Path(path) if path is not None else default_path()
        if read_only and not target.exists():
            raise StoreError(f"no store at {target} (nothing has been recorded yet)")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for store {target}: {exc.strerror}"
            ) from None
        try:
            con = duckdb.connect(str(target), read_only=read_only)
        except duckdb.Error as exc:
            raise _open_error(target, exc) from None
        store = cls(con, target, read_only)
        try:
            store._migrate()
        except BaseException:
            con.close()
            raise
        return store

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def schema_version(self) -> int:
        row = self._fetchone("SELECT coalesce(max(version), 0) FROM schema_version")
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        try:
            current = self._installed_version()
        except duckdb.Error as exc:
            raise _open_error(self.path, exc) from None
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema v{current}, newer than this cloudwarden "
                f"reads (v{SCHEMA_VERSION}); upgrade cloudwarden"
            )
        if current == SCHEMA_VERSION:
            return
        if self.read_only:
            raise StoreError(f"store {self.path} needs a migration; open it read-write once")
        try:
            with self._transaction():
                self._con.execute(VERSION_TABLE)
                now = to_utc_naive(datetime.now(UTC))
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[version - 1]:
                        self._con.execute(statement)
                    self._con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, now])
        except duckdb.Error as exc:
            raise StoreError(
                f"store {self.path} cannot be migrated to schema v{SCHEMA_VERSION} "
                f"(not a cloudwarden store?): {_one_line(exc)}"
            ) from None

    def _installed_version(self) -> int:
        exists = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        return self.schema_version()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self._con.execute(sql, list(params)).fetchone()
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: {_one_line(exc)}") from None
        return row

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            rows: list[tuple[Any, ...]] = self._con.execute(sql, list(params)).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: {_one_line(exc)}") from None
        return rows

    # -- writing -------------------------------------------------------------
    def record_run(self, findings: Sequence[Finding], meta: RunMeta | None = None) -> str:
        """Record one run and update every finding's state, atomically; return the run id."""
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        meta = meta or RunMeta()
        started = to_utc_naive(meta.started_at)
        run_id = f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        try:
            with self._transaction():
                self._insert_run(run_id, meta, len(findings))
                if findings:
                    self._insert_findings(run_id, findings)
                self._update_state(run_id, meta.kind, started)
        except duckdb.Error as exc:
            raise StoreError(
                f"store {self.path}: recording the run failed: {_one_line(exc)}"
            ) from None
        return run_id

    def _insert_run(self, run_id: str, meta: RunMeta, count: int) -> None:
        now = datetime.now(UTC)
        self._con.execute(
            "INSERT INTO runs SELECT ?, coalesce((SELECT max(seq) FROM runs), 0) + 1, "
            "?, ?, ?, ?, ?, ?, ?::JSON, ?",
            [
                run_id,
                meta.kind,
                meta.status,
                to_utc_naive(meta.started_at),
                to_utc_naive(meta.finished_at or now),
                to_utc_naive(now),
                list(meta.accounts),
                dump_json(meta.snapshot),
                count,
            ],
        )

    def _insert_findings(self, run_id: str, findings: Sequence[Finding]) -> None:
        with tempfile.TemporaryDirectory(prefix="cloudwarden-store-") as folder:
            doc = Path(folder) / "findings.json"
            payload, remediations = findings_document(run_id, findings)
            doc.write_bytes(payload)
            self._con.execute(INSERT_FROM_JSON, [str(doc), remediations])

    def _update_state(self, run_id: str, kind: str, at: datetime) -> None:
        params = {"run": run_id, "kind": kind, "at": at}
        for statement in queries.UPDATE_STATE:
            names = [n for n in params if f"${n}" in statement]
            self._con.execute(statement, {n: params[n] for n in names})

    def record_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> int:
        """Record detection alerts not stored yet (by ``alert_id``); return how many were new.

        Delivery is at-least-once, so the same alert may arrive again (a spool re-sent, a
        watch restarted before it saved its place): the store is where such repeats stop.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        if not alerts:
            return 0
        document = alerts_document(alerts, datetime.now(UTC))
        try:
            with (
                self._transaction(),
                tempfile.TemporaryDirectory(prefix="cloudwarden-store-") as folder,
            ):
                before = self._con.execute("SELECT count(*) FROM alerts").fetchone()
                doc = Path(folder) / "alerts.json"
                doc.write_bytes(document)
                self._con.execute(INSERT_ALERTS, [str(doc)])
                after = self._con.execute("SELECT count(*) FROM alerts").fetchone()
        except duckdb.Error as exc:
            raise StoreError(
                f"store {self.path}: recording alerts failed: {_one_line(exc)}"
            ) from None
        return int(after[0] if after else 0) - int(before[0] if before else 0)

    def write(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run ``(sql, params)`` statements as one transaction, for tables that other
        modules own (the respond journal): all of them are recorded, or none."""
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        try:
            with self._transaction():
                for sql, params in statements:
                    self._con.execute(sql, list(params))
        except duckdb.Error as exc:
            raise StoreError(f"store {self.path}: writing failed: {_one_line(exc)}") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read query, for tables that other modules own (the respond journal)."""
        return self._fetchall(sql, params)

    # -- reading -------------------------------------------------------------
    def alerts(
        self,
        rule: str | None = None,
        since: datetime | None = None,
        severity: str | None = None,
        limit: int | None = 100,
    ) -> list[dict[str, Any]]:
        """Stored alerts (whole), newest last event first; ``since`` compares event times."""
        where, params = alert_filters(rule, since, severity)
        sql = (
            f"SELECT alert FROM alerts{where} "
            "ORDER BY coalesce(last_time, first_time) DESC NULLS LAST, alert_id"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        return [alert_from_json(r[0]) for r in self._fetchall(sql, params)]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One stored alert by its ``alert_id``, or None when the store never saw it."""
        row = self._fetchone("SELECT alert FROM alerts WHERE alert_id = ?", [alert_id])
        return None if row is None else alert_from_json(row[0])

    def runs(self, kind: str | None = None) -> list[RunRecord]:
        """Recorded runs, oldest first."""
        sql = f"SELECT {queries.RUN_COLUMNS} FROM runs"
        params: list[Any] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            params.append(kind)
        return [run_from_row(r) for r in self._fetchall(sql + " ORDER BY seq", params)]

    def run(self, run_id: str) -> RunRecord:
        row = self._fetchone(f"SELECT {queries.RUN_COLUMNS} FROM runs WHERE id = ?", [run_id])
        if row is None:
            raise StoreError(f"no run {run_id!r} in store {self.path}")
        return run_from_row(row)

    def latest_run(self, kind: str | None = None) -> RunRecord | None:
        recorded = self.runs(kind)
        return recorded[-1] if recorded else None

    def findings(
        self,
        run_id: str | None = None,
        *,
        status: Status | str | None = None,
        severity: Severity | str | None = None,
        area: Area | str | None = None,
        account: str | None = None,
    ) -> list[Finding]:
        """Findings of one run (the latest by default), optionally filtered."""
        rid = run_id if run_id is not None else self._latest_id()
        if rid is None:
            return []
        where = ["run_id = ?"]
        params: list[Any] = [rid]
        for column, value in (
            ("status", status),
            ("severity", severity),
            ("area", area),
            ("account", account),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value.value if isinstance(value, Status | Severity | Area) else value)
        sql = f"SELECT {SELECT_FINDING} FROM findings WHERE {' AND '.join(where)} ORDER BY rowid"
        read = FindingReader()
        return [read(r) for r in self._fetchall(sql, params)]

    def states(self, ids: Sequence[str] | None = None) -> dict[str, FindingState]:
        """Life across runs (first/last seen, status, last change) by finding id."""
        sql = f"SELECT {queries.STATE_COLUMNS} FROM finding_state"
        params: list[Any] = []
        if ids is not None:
            sql += " WHERE id IN (SELECT unnest(?::VARCHAR[]))"
            params.append(list(ids))
        return {r[0]: state_from_row(r) for r in self._fetchall(sql, params)}

    def status_changes(self, finding_id: str) -> list[tuple[str, Status | None, Status | None]]:
        """(run id, old, new) for every status change of one finding, oldest first."""
        rows = self._fetchall(queries.CHANGES, [finding_id])
        return [(r[0], status_or_none(r[1]), status_or_none(r[2])) for r in rows]

    def diff(self, run_a: str | None = None, run_b: str | None = None) -> Diff:
        """New, still failing, resolved and unassessed findings from ``run_a`` to ``run_b``.

        By default ``run_b`` is the latest run and ``run_a`` the run of the same kind
        just before it; with a single run recorded every failure is new.
        """
        b = self.run(run_b) if run_b is not None else self.latest_run()
        if b is None:
            raise StoreError(f"no runs recorded in store {self.path}")
        a_id = run_a if run_a is not None else self._previous_id(b)
        if a_id is not None:
            self.run(a_id)
        failing_b = by_id(self.findings(b.id, status=Status.FAIL))
        failing_a = by_id(self.findings(a_id, status=Status.FAIL)) if a_id else {}
        no_longer = [f for fid, f in failing_a.items() if fid not in failing_b]
        now = self._statuses_in(b.id, [f.id for f in no_longer])
        return Diff(
            run_a=a_id,
            run_b=b.id,
            new=tuple(f for fid, f in failing_b.items() if fid not in failing_a),
            still_failing=tuple(f for fid, f in failing_b.items() if fid in failing_a),
            resolved=tuple(f for f in no_longer if now.get(f.id) is not Status.NOT_ASSESSED),
            unassessed=tuple(f for f in no_longer if now.get(f.id) is Status.NOT_ASSESSED),
            gone=frozenset(f.id for f in no_longer if f.id not in now),
        )

    def _latest_id(self) -> str | None:
        row = self._fetchone("SELECT id FROM runs ORDER BY seq DESC LIMIT 1")
        return None if row is None else str(row[0])

    def _previous_id(self, run: RunRecord) -> str | None:
        row = self._fetchone(
            "SELECT id FROM runs WHERE kind = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
            [run.kind, run.seq],
        )
        return None if row is None else str(row[0])

    def _statuses_in(self, run_id: str, ids: Sequence[str]) -> dict[str, Status]:
        """Status of each of ``ids`` in one run (NOT_ASSESSED over PASS); absent ids left out."""
        if not ids:
            return {}
        rows = self._fetchall(
            "SELECT id, CASE WHEN bool_or(status = 'NOT_ASSESSED') THEN 'NOT_ASSESSED' "
            "ELSE min(status) END FROM findings "
            "WHERE run_id = ? AND id IN (SELECT unnest(?::VARCHAR[])) GROUP BY id",
            [run_id, list(ids)],
        )
        return {r[0]: Status(r[1]) for r in rows}
