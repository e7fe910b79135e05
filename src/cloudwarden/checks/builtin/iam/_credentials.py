"""Dates from the IAM credential report and access-key metadata, measured against the snapshot.

The credential report writes timestamps as ISO-8601 and uses the words ``N/A``,
``no_information`` and ``not_supported`` where there is no date. Ages are always
measured from the snapshot's creation time, never from "now", so re-assessing a
saved snapshot gives the same answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ROOT_ROW = "<root_account>"


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value[:4].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age_days(value: Any, now: datetime) -> int | None:
    """Whole days from ``value`` to ``now``, or None when ``value`` is not a date."""
    when = parse_date(value)
    if when is None:
        return None
    return (now - when).days


def is_true(value: Any) -> bool:
    return str(value).strip().lower() == "true"
