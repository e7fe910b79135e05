"""cloudtrail_log_file_validation_enabled: per trail, judged in the owning account only."""

from __future__ import annotations

from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for, make_resource, make_snapshot

TRAIL = "AWS::CloudTrail::Trail"


def trail(name: str, validated: bool, owner: str = ACCOUNT) -> object:
    arn = f"arn:aws:cloudtrail:us-east-1:{owner}:trail/{name}"
    return make_resource(TRAIL, arn, {"Name": name, "LogFileValidationEnabled": validated})


def test_validated_trail_passes_and_unvalidated_fails() -> None:
    snap = make_snapshot([trail("signed", True), trail("unsigned", False)])
    found = {
        f.resource_arn.rsplit("/", 1)[1]: f
        for f in findings_for(snap, "cloudtrail_log_file_validation_enabled")
    }
    assert found["signed"].status is Status.PASS
    assert found["unsigned"].status is Status.FAIL
    assert "LogFileValidationEnabled false" in found["unsigned"].status_reason


def test_organisation_trail_seen_from_member_is_left_to_its_owner() -> None:
    snap = make_snapshot([trail("org", False, owner="999999999999")])
    assert findings_for(snap, "cloudtrail_log_file_validation_enabled") == []
