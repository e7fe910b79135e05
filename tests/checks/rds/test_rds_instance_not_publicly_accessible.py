"""rds_instance_not_publicly_accessible: the PubliclyAccessible flag must be off."""

from __future__ import annotations

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "rds_instance_not_publicly_accessible"
ENDPOINT = {"Address": "cw-db.abc123.us-east-1.rds.amazonaws.com", "Port": 5432}


@pytest.mark.parametrize(
    ("public", "status", "reason_part"),
    [
        (True, Status.FAIL, "cw-db.abc123.us-east-1.rds.amazonaws.com resolves to a public IP"),
        (False, Status.PASS, "not publicly accessible"),
    ],
)
def test_public_flag(public: bool, status: Status, reason_part: str) -> None:
    data = {"DBInstanceIdentifier": "cw-db", "PubliclyAccessible": public, "Endpoint": ENDPOINT}
    inst = make_resource(
        "AWS::RDS::DBInstance", "arn:aws:rds:us-east-1:123456789012:db:cw-db", data
    )
    [finding] = findings_for(make_snapshot([inst]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason
    assert finding.area.value == "infrastructure_protection"
