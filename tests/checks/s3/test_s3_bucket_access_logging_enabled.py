"""s3_bucket_access_logging_enabled: a LoggingEnabled target must be configured."""

from __future__ import annotations

from typing import Any

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "s3_bucket_access_logging_enabled"


def bucket(name: str, logging: dict[str, Any] | None, **extra: Any) -> Any:
    data = {"Name": name, "Logging": logging, **extra}
    return make_resource("AWS::S3::Bucket", f"arn:aws:s3:::{name}", data, region="global")


def test_logging_on_off_and_unreadable() -> None:
    snap = make_snapshot(
        [
            bucket("cw-logged", {"TargetBucket": "cw-logs", "TargetPrefix": "cw-logged/"}),
            bucket("cw-silent", None),
            bucket("cw-denied", None, _errors={"Logging": "AccessDenied: denied"}),
        ]
    )
    found = {f.resource_arn.rsplit(":", 1)[-1]: f for f in findings_for(snap, CHECK)}
    assert found["cw-logged"].status is Status.PASS
    assert found["cw-logged"].status_reason == "server access logs go to s3://cw-logs/cw-logged/"
    assert found["cw-silent"].status is Status.FAIL
    assert found["cw-denied"].status is Status.NOT_ASSESSED
    assert {f.area.value for f in found.values()} == {"detection"}
