"""One typed registry for every kind of plugin (checks, renderers, playbooks, ...).

Plugins register themselves with a decorator when their module is imported;
``load_builtin`` imports every module under a builtin package, and
``load_entry_points`` does the same for third-party packages. There is no
central list to edit and no metaclass magic: importing is registering.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")


class RegistryError(Exception):
    """A plugin could not be registered or found."""


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, key: str, item: T) -> T:
        if key in self._items and self._items[key] is not item:
            raise RegistryError(f"duplicate {self.kind} id {key!r}")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise RegistryError(f"unknown {self.kind} {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())


def load_builtin(package: str) -> list[str]:
    """Import every module below ``package`` (recursively); return their names."""
    root = importlib.import_module(package)
    names: list[str] = []
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def load_entry_points(group: str) -> list[str]:
    """Import the modules that third-party packages declare under ``group``."""
    loaded: list[str] = []
    for ep in entry_points(group=group):
        ep.load()
        loaded.append(ep.name)
    return loaded
