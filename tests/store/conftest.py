"""A store in a temp folder and a small factory of findings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Remediation,
    Severity,
    Status,
    stable_finding_id,
)
from cloudwarden.store import Store

ACCOUNT = "123456789012"
FIX = Remediation(text="Block public access.", cli="aws s3api put-public-access-block ...")

MakeFinding = Callable[..., Finding]


def make_finding(
    name: str,
    status: Status,
    *,
    severity: Severity = Severity.HIGH,
    area: Area = Area.DATA,
    account: str = ACCOUNT,
    check: str = "s3_bucket_public_access_blocked",
) -> Finding:
    arn = f"arn:aws:s3:::{name}"
    return Finding(
        id=stable_finding_id(check, account, "global", arn),
        source=FindingSource.CHECK,
        source_id=check,
        title="S3 buckets block public access",
        status=status,
        severity=severity,
        area=area,
        account=account,
        region="global",
        resource_arn=arn,
        resource_type="AWS::S3::Bucket",
        status_reason=f"{name} is {status.value}",
        wa_ids=("SEC03-BP07",),
        cis_ids=("3.1.4",),
        remediation=FIX,
        evidence={"PublicAccessBlock": None, "rules": [{"FromPort": 22, "CidrIp": "0.0.0.0/0"}]},
        observed_at=datetime(2025, 1, 1, 12, tzinfo=UTC),
    )


@pytest.fixture
def new_finding() -> MakeFinding:
    return make_finding


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cloudwarden.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as opened:
        yield opened


def day(n: int) -> datetime:
    return datetime(2025, 1, n, tzinfo=UTC)


@pytest.fixture
def at() -> Callable[[int], datetime]:
    return day
