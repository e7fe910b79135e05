"""Conversions between ``Finding`` records and the store's ``findings`` rows.

Bulk insert goes through one JSON document that DuckDB's ``read_json`` parses in
parallel: handing DuckDB Python lists costs a Python-to-DuckDB conversion per value
(900,000 of them for 50,000 findings, over a second), and ``executemany`` a round
trip per row (far worse). Serialising with orjson and letting DuckDB read the
document takes a fraction of that. Remediations, identical for every finding of a
check, travel once as a list parameter and rows carry their 1-based index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from cloudwarden.model import Finding, Remediation, Status
from cloudwarden.store.models import FindingState, RunRecord

FINDING_COLUMNS = (
    "run_id",
    "id",
    "source",
    "source_id",
    "title",
    "status",
    "severity",
    "area",
    "account",
    "region",
    "resource_arn",
    "resource_type",
    "status_reason",
    "wa_ids",
    "cis_ids",
    "remediation",
    "evidence",
    "observed_at",
)
_READ_TYPES = {"wa_ids": "VARCHAR[]", "cis_ids": "VARCHAR[]", "remediation": "INTEGER"}
_READ_TYPES |= {"evidence": "JSON", "observed_at": "BIGINT"}
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _insert_sql() -> str:
    columns = ", ".join(f"'{c}': '{_READ_TYPES.get(c, 'VARCHAR')}'" for c in FINDING_COLUMNS)
    special = {
        "observed_at": "make_timestamp(observed_at)",
        "remediation": "list_extract($2::JSON[], remediation)",
    }
    select = ", ".join(special.get(c, c) for c in FINDING_COLUMNS)
    return (
        f"INSERT INTO findings ({', '.join(FINDING_COLUMNS)}) SELECT {select} "
        f"FROM read_json($1, format = 'array', columns = {{{columns}}})"
    )


INSERT_FROM_JSON = _insert_sql()
SELECT_FINDING = ", ".join(FINDING_COLUMNS[1:])


def to_utc_naive(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _micros(value: datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    delta = aware - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def dump_json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def findings_document(run_id: str, findings: Sequence[Finding]) -> tuple[bytes, list[str]]:
    """The findings as one JSON array of row objects, and the distinct remediations they
    point to, ready for ``INSERT_FROM_JSON`` (parameters: document path, remediations)."""
    remediations: dict[Remediation, int] = {}
    rows = []
    for f in findings:
        rem = f.remediation
        if rem is not None and rem not in remediations:
            remediations[rem] = len(remediations) + 1
        rows.append(
            {
                "run_id": run_id,
                "id": f.id,
                "source": f.source,
                "source_id": f.source_id,
                "title": f.title,
                "status": f.status,
                "severity": f.severity,
                "area": f.area,
                "account": f.account,
                "region": f.region,
                "resource_arn": f.resource_arn,
                "resource_type": f.resource_type,
                "status_reason": f.status_reason,
                "wa_ids": f.wa_ids,
                "cis_ids": f.cis_ids,
                "remediation": None if rem is None else remediations[rem],
                "evidence": f.evidence,
                "observed_at": _micros(f.observed_at),
            }
        )
    document = orjson.dumps(rows, default=str, option=_JSON_OPTIONS)
    return document, [dump_json(r.model_dump()) for r in remediations]


class FindingReader:
    """Rebuilds Findings from ``SELECT {SELECT_FINDING}`` rows (every column but run_id).

    Remediations, shared by every finding of a check, are parsed once per reader.
    """

    def __init__(self) -> None:
        self._remediations: dict[str, Remediation] = {}

    def __call__(self, row: Sequence[Any]) -> Finding:
        data = dict(zip(FINDING_COLUMNS[1:], row, strict=True))
        rem = data["remediation"]
        data["remediation"] = None if rem is None else self._remediation(rem)
        data["evidence"] = orjson.loads(data["evidence"])
        data["observed_at"] = from_utc_naive(data["observed_at"])
        return Finding.model_validate(data)

    def _remediation(self, text: str) -> Remediation:
        found = self._remediations.get(text)
        if found is None:
            found = self._remediations[text] = Remediation.model_validate_json(text)
        return found


def by_id(findings: Sequence[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        out.setdefault(f.id, f)
    return out


def status_or_none(value: str | None) -> Status | None:
    return None if value is None else Status(value)


def run_from_row(row: Sequence[Any]) -> RunRecord:
    return RunRecord(
        id=row[0],
        seq=row[1],
        kind=row[2],
        status=row[3],
        started_at=from_utc_naive(row[4]),
        finished_at=from_utc_naive(row[5]),
        recorded_at=from_utc_naive(row[6]),
        accounts=tuple(row[7]),
        snapshot=orjson.loads(row[8]),
        finding_count=row[9],
    )


def state_from_row(row: Sequence[Any]) -> FindingState:
    return FindingState(
        id=row[0],
        first_seen=from_utc_naive(row[1]),
        last_seen=from_utc_naive(row[2]),
        status=status_or_none(row[3]),
        last_change=from_utc_naive(row[4]),
        first_run_id=row[5],
        last_run_id=row[6],
    )
