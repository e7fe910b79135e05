"""One full lab build and organisation scan per test process, shared by every lab test.

moto keeps its state per process, so the lab is built exactly once here (every seeder, then
a scan of the whole organisation) and the family tests judge their part of that one result.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudwarden.lab.demo import DemoResult, run_demo


@pytest.fixture(scope="session")
def demo() -> Iterator[DemoResult]:
    """The full lab (every seeder) and one organisation scan, built once per test process.

    moto keeps its state per process, so every lab test shares this one build rather
    than starting labs of its own.
    """
    mp = pytest.MonkeyPatch()
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_CONFIG_FILE", "/nonexistent/cloudwarden-test-config")
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/cloudwarden-test-creds")
    try:
        yield run_demo()
    finally:
        mp.undo()
