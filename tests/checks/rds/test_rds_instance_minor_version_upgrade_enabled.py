"""rds_instance_minor_version_upgrade_enabled: AutoMinorVersionUpgrade must be on."""

from __future__ import annotations

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "rds_instance_minor_version_upgrade_enabled"


@pytest.mark.parametrize(
    ("auto", "status", "reason_part"),
    [
        (True, Status.PASS, "(postgres 16.3) takes minor upgrades automatically"),
        (False, Status.FAIL, "(postgres 16.3) has AutoMinorVersionUpgrade false"),
    ],
)
def test_auto_minor_upgrade(auto: bool, status: Status, reason_part: str) -> None:
    data = {
        "DBInstanceIdentifier": "cw-db",
        "Engine": "postgres",
        "EngineVersion": "16.3",
        "AutoMinorVersionUpgrade": auto,
    }
    inst = make_resource(
        "AWS::RDS::DBInstance", "arn:aws:rds:us-east-1:123456789012:db:cw-db", data
    )
    [finding] = findings_for(make_snapshot([inst]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
