"""The lab manifest: every planted weakness, the check(s) that must catch it, and its twin.

Entries live in ``lab/manifest/*.yaml`` (one file per service family). ARNs are
templates over ``{account}``, ``{region}``, ``{partition}`` and ``{refs[NAME]}`` (an ARN
a seeder published because AWS chose its id, e.g. a KMS key's); ``account`` names
a lab account by role (``management``, ``prod``, ``dev``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from cloudwarden.lab.org import LabEnv


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
        if item.name.endswith(".yaml"):
            doc: Any = yaml.safe_load(item.read_text(encoding="utf-8")) or []
            entries.extend(Weakness.model_validate(e) for e in doc)
    return entries
