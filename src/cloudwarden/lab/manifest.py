"""The lab manifest: every planted weakness, the check(s) that must catch it, and its twin.

Entries live in ``lab/manifest/*.yaml`` (one file per service family). ARNs are
templates over ``{account}``, ``{region}``, ``{partition}`` and ``{refs[NAME]}`` (an ARN
a seeder published because AWS chose its id, e.g. a KMS key's); ``account`` names
a lab account by role (``management``, ``prod``, ``dev``).

``access.yaml`` is the exception: it promises results of the external-access analysis,
not of checks, so it has its own entries (:class:`AccessExposure`, loaded by
:func:`load_access_manifest`) and :func:`load_manifest` leaves it out.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from cloudwarden.lab.org import LabEnv

ACCESS_FILE = "access.yaml"


class Twin(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    region: str
    resource_arn: str


class Weakness(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    area: str
    description: str
    account: str
    region: str
    resource_arn: str
    checks: tuple[str, ...]
    twin: Twin

    def arn(self, env: LabEnv) -> str:
        return _fill(self.resource_arn, env, self.account, self.region)

    def twin_arn(self, env: LabEnv) -> str:
        return _fill(self.twin.resource_arn, env, self.twin.account, self.twin.region)


def _fill(template: str, env: LabEnv, account: str, region: str) -> str:
    return template.format(
        account=env.account_id(account), region=region, partition="aws", refs=env.refs
    )


def load_manifest() -> list[Weakness]:
    entries: list[Weakness] = []
    folder = resources.files("cloudwarden.lab") / "manifest"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml") and item.name != ACCESS_FILE:
            doc: Any = yaml.safe_load(item.read_text(encoding="utf-8")) or []
            entries.extend(Weakness.model_validate(e) for e in doc)
    return entries


class LockedTwin(BaseModel):
    """The exposed resource's statement made safe (``fixed_by``). ``remaining`` lists the
    zones the analysis still reports for it: none, or ``in_org`` for a twin pinned to the
    organisation — never anything outside it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    region: str
    resource_arn: str
    fixed_by: str
    remaining: tuple[Literal["in_org"], ...] = ()


class AccessExposure(BaseModel):
    """A resource the external-access analysis must report at ``scope`` (``public``,
    ``outside_org``, or ``in_org`` = outside the account but inside the organisation)
    with at least ``actions``, each access proven by a witness the engine allows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    resource_type: str
    description: str
    account: str
    region: str
    resource_arn: str
    scope: Literal["public", "outside_org", "in_org"]
    actions: tuple[str, ...]
    twin: LockedTwin

    def arn(self, env: LabEnv) -> str:
        return _fill(self.resource_arn, env, self.account, self.region)

    def twin_arn(self, env: LabEnv) -> str:
        return _fill(self.twin.resource_arn, env, self.twin.account, self.twin.region)


def load_access_manifest() -> list[AccessExposure]:
    item = resources.files("cloudwarden.lab") / "manifest" / ACCESS_FILE
    doc: Any = yaml.safe_load(item.read_text(encoding="utf-8")) or []
    return [AccessExposure.model_validate(e) for e in doc]
