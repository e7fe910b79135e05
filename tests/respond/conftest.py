"""Fixtures the playbook-run tests share: the emulated account and a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.store import Store

#: the account and region of the emulated AWS (the tests' ACCOUNT / REGION say the same)
ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        yield AwsContext(session=session, options=AwsOptions(), account_id=ACCOUNT)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.duckdb") as s:
        yield s
