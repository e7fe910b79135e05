"""The response actions run against the lab emulator, with every call recorded.

One moto server per test process, never reset here: moto keeps its state per process
and other suites (the lab demo) build theirs once, so each test names its resources
uniquely (:func:`Env.name`) instead of emptying the emulator.

``Env.aws`` is the context the actions get; a botocore ``before-call`` hook on its
session records every operation its clients send, which is how the dry-run tests
prove that ``plan()`` never mutates. ``Env.admin`` is a separate context for
arranging resources and for checking the outcome through the AWS API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.lab.server import LabServer, free_port
from cloudwarden.respond.actions.base import is_read_only

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


@dataclass
class CallRecorder:
    """Every (service, operation) the clients of one session sent, in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, event_name: str, **_: Any) -> None:
        _before, service, operation = event_name.split(".", 2)
        self.calls.append((service, operation))

    @property
    def mutating(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if not is_read_only(c[1])]

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class Env:
    aws: AwsContext
    admin: AwsContext
    recorder: CallRecorder

    def client(self, service: str) -> Any:
        return self.admin.client(service, REGION)

    @staticmethod
    def name(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _context(endpoint: str) -> AwsContext:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    options = AwsOptions(endpoint_url=endpoint, region=REGION)
    return AwsContext(session=session, options=options, account_id=ACCOUNT)


@pytest.fixture(scope="session")
def lab_server() -> Iterator[LabServer]:
    server = LabServer(free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(lab_server: LabServer) -> Env:
    recorder = CallRecorder()
    aws = _context(lab_server.endpoint)
    aws.session.events.register("before-call", recorder)
    return Env(aws=aws, admin=_context(lab_server.endpoint), recorder=recorder)
