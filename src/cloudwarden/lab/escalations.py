"""The lab's escalation manifest: each planted privilege-escalation scenario, the path the
IAM analysis must find from its principal, and a fixed twin that must have none.

Entries live in ``lab/manifest/escalation/*.yaml``, apart from the posture manifest
(``lab/manifest/*.yaml``, :mod:`cloudwarden.lab.manifest`) because they promise paths,
not check results. ARNs are templates over ``{account}`` and ``{partition}``, as there;
a hop's ``target`` is a principal ARN, or ``admin`` when the actor itself becomes one.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from cloudwarden.lab.org import LabEnv

__all__ = ["ADMIN", "EscalationScenario", "FixedTwin", "Hop", "load_escalations"]

ADMIN = "admin"


class Hop(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    technique: str
    target: str


class FixedTwin(BaseModel):
    """The same statements as the scenario's principal, stopped by ``fixed_by``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    fixed_by: Literal["boundary", "scp", "condition"]
    how: str


class EscalationScenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    technique: str
    description: str
    account: str
    principal: str
    path: tuple[Hop, ...]
    twin: FixedTwin

    def principal_arn(self, env: LabEnv) -> str:
        return _fill(self.principal, env, self.account)

    def twin_arn(self, env: LabEnv) -> str:
        return _fill(self.twin.principal, env, self.account)

    def hops(self, env: LabEnv) -> tuple[tuple[str, str], ...]:
        """``(technique, target ARN or "admin")`` per hop, as the analysis reports them."""
        return tuple(
            (h.technique, h.target if h.target == ADMIN else _fill(h.target, env, self.account))
            for h in self.path
        )


def _fill(template: str, env: LabEnv, account: str) -> str:
    return template.format(account=env.account_id(account), partition="aws")


def load_escalations() -> list[EscalationScenario]:
    entries: list[EscalationScenario] = []
    folder = resources.files("cloudwarden.lab") / "manifest" / "escalation"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            doc: Any = yaml.safe_load(item.read_text(encoding="utf-8")) or []
            entries.extend(EscalationScenario.model_validate(e) for e in doc)
    return entries
