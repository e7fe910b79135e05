"""The store's schema, as numbered migrations applied in order inside one transaction.

``schema_version`` records every migration applied; opening a store applies the
missing ones and refuses a file written by a newer cloudwarden (its schema would be
misread). Timestamps are stored as naive UTC ``TIMESTAMP``: DuckDB's ``TIMESTAMPTZ``
converts through the session time zone, which would make results depend on the host.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE runs (
            id VARCHAR PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            kind VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            recorded_at TIMESTAMP NOT NULL,
            accounts VARCHAR[] NOT NULL,
            snapshot JSON NOT NULL,
            finding_count INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE findings (
            run_id VARCHAR NOT NULL,
            id VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            area VARCHAR NOT NULL,
            account VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            resource_arn VARCHAR NOT NULL,
            resource_type VARCHAR NOT NULL,
            status_reason VARCHAR NOT NULL,
            wa_ids VARCHAR[] NOT NULL,
            cis_ids VARCHAR[] NOT NULL,
            remediation JSON,
            evidence JSON NOT NULL,
            observed_at TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE finding_state (
            id VARCHAR PRIMARY KEY,
            first_seen TIMESTAMP NOT NULL,
            last_seen TIMESTAMP NOT NULL,
            status VARCHAR,
            last_change TIMESTAMP NOT NULL,
            first_run_id VARCHAR NOT NULL,
            last_run_id VARCHAR NOT NULL
        )
        """,
        """
        CREATE TABLE status_changes (
            finding_id VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            old VARCHAR,
            new VARCHAR,
            "at" TIMESTAMP NOT NULL
        )
        """,
    ),
    # v2: detection alerts, kept whole (the alert's JSON) and keyed by their stable id so
    # that re-delivered alerts (at-least-once sinks, a restarted watch) are stored once
    (
        """
        CREATE TABLE alerts (
            alert_id VARCHAR PRIMARY KEY,
            rule_id VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            account VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            first_time TIMESTAMP,
            last_time TIMESTAMP,
            recorded_at TIMESTAMP NOT NULL,
            alert JSON NOT NULL
        )
        """,
    ),
    # v3: the respond journal. Both tables are append-only: a run's state is read from its
    # entries, never updated in place, so a runner killed at any point leaves a readable
    # history (an intent without a result is what recovery looks for).
    (
        """
        CREATE TABLE respond_runs (
            run_id VARCHAR PRIMARY KEY,
            playbook VARCHAR NOT NULL,
            incident_key VARCHAR NOT NULL,
            trigger_kind VARCHAR NOT NULL,
            trigger_id VARCHAR NOT NULL,
            mode VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            context JSON NOT NULL
        )
        """,
        """
        CREATE TABLE respond_journal (
            run_id VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            "at" TIMESTAMP NOT NULL,
            kind VARCHAR NOT NULL,
            step VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            phase VARCHAR NOT NULL,
            attempt INTEGER NOT NULL,
            message VARCHAR NOT NULL,
            data JSON NOT NULL,
            PRIMARY KEY (run_id, seq)
        )
        """,
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
)
"""
