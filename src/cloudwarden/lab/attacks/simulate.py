"""Play the scenarios over hours of background activity; deterministic for a given seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwarden.lab.attacks.background import play_background
from cloudwarden.lab.attacks.records import FlowRecord, Forge
from cloudwarden.lab.attacks.scenarios import SCENARIOS, Scenario
from cloudwarden.lab.attacks.scene import Scene
from cloudwarden.lab.attacks.targets import LabTargets

__all__ = ["DEFAULT_START", "SimulatedLogs", "simulate"]

DEFAULT_START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
DEFAULT_HOURS = 6


@dataclass
class SimulatedLogs:
    """CloudTrail records and flow-log records in event-time order, and who played what.

    ``origin`` maps a CloudTrail ``eventID`` to the scenario that produced it
    (``"background"`` for ordinary activity).
    """

    cloudtrail: list[dict[str, Any]] = field(default_factory=list)
    flows: list[FlowRecord] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)
    scenarios: tuple[Scenario, ...] = ()

    def add(self, name: str, scene: Scene) -> None:
        self.cloudtrail.extend(scene.records)
        self.flows.extend(scene.flows)
        for rec in scene.records:
            self.origin[rec["eventID"]] = name


def simulate(
    targets: LabTargets,
    *,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    hours: int = DEFAULT_HOURS,
    scenarios: Sequence[Scenario] = SCENARIOS,
    background: bool = True,
) -> SimulatedLogs:
    """The logs of ``hours`` of the lab from ``start``: background (unless turned off) and
    each scenario, the k-th starting ``1h + 40min * k`` in (wrapping within the window).

    Each part draws from its own generator (seeded with ``seed`` and the part's name), so a
    scenario's records are the same whether it is played alone or with the others; the
    lab's account ids salt the UUIDs, so another lab's events have other ids.
    """
    logs = SimulatedLogs(scenarios=tuple(scenarios))
    salt = ",".join(sorted(targets.accounts.values()))
    if background:
        scene = Scene(Forge(f"{seed}:background", salt), targets)
        play_background(scene, start, hours)
        logs.add("background", scene)
    span = max(hours * 60 - 120, 60)
    for i, scenario in enumerate(logs.scenarios):
        # a built-in scenario keeps its slot whichever others are played with it
        k = SCENARIOS.index(scenario) if scenario in SCENARIOS else len(SCENARIOS) + i
        scene = Scene(Forge(f"{seed}:{scenario.name}", salt), targets)
        scenario.play(scene, start + timedelta(minutes=60 + (40 * k) % span))
        logs.add(scenario.name, scene)
    logs.cloudtrail.sort(key=lambda r: (r["eventTime"], r["eventID"]))
    logs.flows.sort(key=lambda f: f.start)
    return logs
