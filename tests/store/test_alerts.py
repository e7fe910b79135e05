"""Alerts in the store: new ones only (by alert_id), kept whole, filtered; old stores upgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cloudwarden.store import Store, StoreError
from cloudwarden.store.schema import MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE


def alert(
    n: int, *, rule: str = "cw-stop-logging", severity: str = "high", **extra: Any
) -> dict[str, Any]:
    return {
        "alert_id": f"a{n:04d}",
        "rule_id": rule,
        "title": "CloudTrail logging stopped",
        "severity": severity,
        "account": "111122223333",
        "region": "eu-west-1",
        "event_id": f"e{n}",
        "event_ids": [f"e{n}"],
        "event_time": f"2026-11-0{n % 9 + 1}T10:00:00+00:00",
        "first_time": f"2026-11-0{n % 9 + 1}T10:00:00+00:00",
        "last_time": f"2026-11-0{n % 9 + 1}T10:05:00+00:00",
        "count": 1,
        "group": {"sourceIPAddress": "203.0.113.9"},
        "runbook": "Turn logging back on.",
        **extra,
    }


def test_record_counts_only_new_alerts(store: Store) -> None:
    assert store.record_alerts([alert(1), alert(2)]) == 2
    assert store.record_alerts([alert(2), alert(3), alert(3)]) == 1  # repeats stored once
    assert store.record_alerts([]) == 0
    assert sorted(a["alert_id"] for a in store.alerts()) == ["a0001", "a0002", "a0003"]


def test_alert_is_kept_whole_and_found_by_id(store: Store) -> None:
    original = alert(4, playbook="compromised-credentials")
    store.record_alerts([original])
    assert store.alert("a0004") == original
    assert store.alert("nope") is None


def test_filters_and_order(store: Store) -> None:
    store.record_alerts(
        [
            alert(1),
            alert(2, rule="cw-root-login", severity="critical"),
            alert(3, severity="low"),
        ]
    )
    assert [a["alert_id"] for a in store.alerts()] == ["a0003", "a0002", "a0001"]  # newest first
    assert [a["alert_id"] for a in store.alerts(rule="cw-root-login")] == ["a0002"]
    assert [a["alert_id"] for a in store.alerts(severity="LOW")] == ["a0003"]
    since = datetime(2026, 11, 3, tzinfo=UTC)
    assert [a["alert_id"] for a in store.alerts(since=since)] == ["a0003", "a0002"]
    assert len(store.alerts(limit=1)) == 1


def test_alert_without_id_is_refused(store: Store) -> None:
    broken = alert(1)
    del broken["alert_id"]
    with pytest.raises(StoreError, match="no alert_id"):
        store.record_alerts([broken])


def test_read_only_store_refuses_alerts(db_path: Path) -> None:
    Store.open(db_path).close()
    with Store.open(db_path, read_only=True) as ro, pytest.raises(StoreError, match="read-only"):
        ro.record_alerts([alert(1)])


def test_v1_store_upgrades_in_place(db_path: Path) -> None:
    """A store written before alerts existed keeps its runs and gains the alerts table."""
    db_path.parent.mkdir(parents=True)
    con = duckdb.connect(str(db_path))
    con.execute(VERSION_TABLE)
    for statement in MIGRATIONS[0]:
        con.execute(statement)
    con.execute("INSERT INTO schema_version VALUES (1, now()::TIMESTAMP)")
    con.execute(
        "INSERT INTO runs VALUES ('r1', 1, 'scan', 'completed', now()::TIMESTAMP, "
        "now()::TIMESTAMP, now()::TIMESTAMP, ['111122223333'], '{}', 0)"
    )
    con.close()
    with pytest.raises(StoreError, match="needs a migration"):
        Store.open(db_path, read_only=True)
    with Store.open(db_path) as store:
        assert store.schema_version() == SCHEMA_VERSION >= 2
        assert [r.id for r in store.runs()] == ["r1"]
        assert store.record_alerts([alert(1)]) == 1
    with Store.open(db_path, read_only=True) as ro:
        assert ro.alert("a0001") is not None
