"""The demo: bring the lab up in this process, seed it, scan the whole organisation."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cloudwarden.assess import Assessment, scan
from cloudwarden.aws.session import AwsOptions
from cloudwarden.inventory.collector import ScanScope
from cloudwarden.lab.build import build_lab
from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.server import LAB_REGION, lab_environment, running_lab

_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@contextmanager
def lab_credentials(endpoint: str) -> Iterator[None]:
    """Point this process's boto3 at the lab with dummy keys; restore the environment after.

    A user's own AWS credentials are set aside so that they are never sent anywhere,
    not even to the local emulator.
    """
    saved = {k: os.environ.get(k) for k in (*_CLEARED, *lab_environment(endpoint))}
    for key in _CLEARED:
        os.environ.pop(key, None)
    os.environ.update(lab_environment(endpoint))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class DemoResult:
    env: LabEnv
    assessment: Assessment


def run_demo(
    seeding: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 16,
) -> DemoResult:
    with running_lab() as lab, lab_credentials(lab.endpoint):
        env = build_lab(lab.endpoint, seeding)
        options = AwsOptions(endpoint_url=lab.endpoint, region=LAB_REGION)
        scope = ScanScope(regions=env.regions, organization=True, workers=workers)
        assessment = scan(options, scope, progress=progress)
    return DemoResult(env, assessment)
