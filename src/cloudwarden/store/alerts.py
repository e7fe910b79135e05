"""Detection alerts in the store: rows from alert dicts, and the SQL that reads them back.

An alert is stored whole (its JSON, exactly as :meth:`cloudwarden.detect.run.Alert.to_dict`
gave it) beside the few columns that queries filter and sort on. The store works on those
dicts rather than on the ``Alert`` class so that it keeps depending on nothing of
``detect``, and so that an alert received from a sink's spool or another process is
recorded as it is.

``alert_id`` is the primary key: the same alert from the same events has the same id on
every run, so recording what an at-least-once delivery or a restarted ``detect watch``
hands over a second time adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from cloudwarden.store.models import StoreError

ALERT_COLUMNS = (
    "alert_id",
    "rule_id",
    "title",
    "severity",
    "account",
    "region",
    "first_time",
    "last_time",
    "recorded_at",
    "alert",
)

_TYPES = {"first_time": "BIGINT", "last_time": "BIGINT", "recorded_at": "BIGINT"}
_TYPES |= {"alert": "JSON"}
_MICROS = {"first_time", "last_time", "recorded_at"}


def _insert_sql() -> str:
    columns = ", ".join(f"'{c}': '{_TYPES.get(c, 'VARCHAR')}'" for c in ALERT_COLUMNS)
    select = ", ".join(f"make_timestamp({c})" if c in _MICROS else c for c in ALERT_COLUMNS)
    return (
        f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) SELECT {select} "
        f"FROM read_json($1, format = 'array', columns = {{{columns}}}) "
        "ON CONFLICT (alert_id) DO NOTHING"
    )


INSERT_ALERTS = _insert_sql()


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _micros(value: datetime | None) -> int | None:
    if value is None:
        return None
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def alert_id_of(alert: Mapping[str, Any]) -> str:
    value = alert.get("alert_id")
    if not isinstance(value, str) or not value:
        rule = alert.get("rule_id", "?")
        raise StoreError(f"alert of rule {rule} has no alert_id; it cannot be recorded")
    return value


def alerts_document(alerts: Sequence[Mapping[str, Any]], recorded_at: datetime) -> bytes:
    """One JSON array of rows for :data:`INSERT_ALERTS` (the first copy of an id kept)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    now = _micros(recorded_at)
    for alert in alerts:
        alert_id = alert_id_of(alert)
        if alert_id in seen:
            continue
        seen.add(alert_id)
        first = _time(alert.get("first_time")) or _time(alert.get("event_time"))
        last = _time(alert.get("last_time")) or first
        rows.append(
            {
                "alert_id": alert_id,
                "rule_id": str(alert.get("rule_id", "")),
                "title": str(alert.get("title", "")),
                "severity": str(alert.get("severity", "")),
                "account": str(alert.get("account", "")),
                "region": str(alert.get("region", "")),
                "first_time": _micros(first),
                "last_time": _micros(last),
                "recorded_at": now,
                "alert": dict(alert),
            }
        )
    return orjson.dumps(rows, default=str)


def alert_filters(
    rule: str | None, since: datetime | None, severity: str | None
) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (possibly empty) and its parameters for :meth:`Store.alerts`."""
    where: list[str] = []
    params: list[Any] = []
    if rule is not None:
        where.append("rule_id = ?")
        params.append(rule)
    if severity is not None:
        where.append("lower(severity) = lower(?)")
        params.append(severity)
    if since is not None:
        aware = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        where.append("coalesce(last_time, first_time) >= ?")
        params.append(aware.astimezone(UTC).replace(tzinfo=None))
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


def alert_from_json(text: str) -> dict[str, Any]:
    value = orjson.loads(text)
    return value if isinstance(value, dict) else {"alert": value}
