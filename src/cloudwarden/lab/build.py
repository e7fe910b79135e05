"""Build the vulnerable-by-design lab organisation in a running emulator."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from cloudwarden.lab import seed as seed_pkg
from cloudwarden.lab.org import LabEnv, create_organization

Progress = Callable[[str], None]


def seed_modules() -> list[str]:
    """Every seeder, alphabetical (deterministic), each after the seeders its ``AFTER``
    names: a seeder that builds on another's resources (a log bucket, an execution role)
    runs once they exist."""
    names = sorted(m.name for m in pkgutil.iter_modules(seed_pkg.__path__))
    ordered: list[str] = []

    def place(name: str, waiting: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in waiting:
            raise ValueError(f"lab seeders wait on each other: {' -> '.join((*waiting, name))}")
        module = importlib.import_module(f"{seed_pkg.__name__}.{name}")
        for before in getattr(module, "AFTER", ()):
            place(before, (*waiting, name))
        ordered.append(name)

    for name in names:
        place(name, ())
    return [f"{seed_pkg.__name__}.{name}" for name in ordered]


def build_lab(endpoint: str, progress: Progress | None = None) -> LabEnv:
    """Create the organisation, then run every seeder (in :func:`seed_modules` order)."""
    env = create_organization(endpoint)
    for name in seed_modules():
        if progress:
            progress(name.rsplit(".", 1)[-1])
        module = importlib.import_module(name)
        module.seed(env)
    return env
