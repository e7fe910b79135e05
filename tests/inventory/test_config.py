"""The AWS Config collector: recorders with their status and the delivery channels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext, region: str = "us-east-1") -> tuple[list[Resource], CollectContext]:
    load_builtin("cloudwarden.inventory.services")
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=region)
    return list(run_collector(COLLECTORS.get("config"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "config", operation, "us-east-1", code=code)


def make_recorder(all_supported: bool = True, start: bool = True) -> None:
    cfg = boto3.client("config", region_name="us-east-1")
    group: dict[str, Any] = {
        "allSupported": all_supported,
        "includeGlobalResourceTypes": all_supported,
    }
    if not all_supported:
        group["resourceTypes"] = ["AWS::EC2::SecurityGroup"]
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": group,
        }
    )
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="config-history")
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-history"})
    if start:
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")


def test_recorder_with_status_and_channels(aws: AwsContext) -> None:
    make_recorder()
    [recorder], cctx = collect(aws)
    assert cctx.errors == []
    assert recorder.arn == f"arn:aws:config:us-east-1:{ACCOUNT}:configuration-recorder/default"
    assert recorder.data["recordingGroup"]["allSupported"] is True
    assert recorder.data["RecorderStatus"]["recording"] is True
    assert recorder.data["DeliveryChannels"] == [
        {"name": "default", "s3BucketName": "config-history"}
    ]
    json.dumps(recorder.data)


def test_stopped_recorder(aws: AwsContext) -> None:
    make_recorder(all_supported=False, start=False)
    [recorder], _ = collect(aws)
    assert recorder.data["RecorderStatus"]["recording"] is False
    assert recorder.data["recordingGroup"]["allSupported"] is False


def test_no_recorder_emits_nothing(aws: AwsContext) -> None:
    found, cctx = collect(aws)
    assert (found, cctx.errors) == ([], [])


def test_denied_status_is_kept_beside_the_recorder(aws: AwsContext) -> None:
    make_recorder()
    deny(aws, "DescribeConfigurationRecorderStatus")
    [recorder], cctx = collect(aws)
    assert cctx.errors == []
    assert recorder.data["RecorderStatus"] is None
    assert "AccessDeniedException" in recorder.data["_errors"]["RecorderStatus"]
