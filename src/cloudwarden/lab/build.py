"""Build the vulnerable-by-design lab organisation in a running emulator."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from cloudwarden.lab import seed as seed_pkg
from cloudwarden.lab.org import LabEnv, create_organization

Progress = Callable[[str], None]


def seed_modules() -> list[str]:
    return sorted(f"{seed_pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(seed_pkg.__path__))


def build_lab(endpoint: str, progress: Progress | None = None) -> LabEnv:
    """Create the organisation, then run every seeder (alphabetical, deterministic)."""
    env = create_organization(endpoint)
    for name in seed_modules():
        if progress:
            progress(name.rsplit(".", 1)[-1])
        module = importlib.import_module(name)
        module.seed(env)
    return env
