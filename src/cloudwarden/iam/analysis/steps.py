"""What a technique rule finds: the target and the requests the engine allowed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudwarden.model import Resource

if TYPE_CHECKING:
    from cloudwarden.iam.analysis.targets import Targets

__all__ = ["Finder", "Found", "Step"]

# (action, resource, extra request context)
Step = tuple[str, str, Mapping[str, str] | None]


@dataclass(frozen=True, slots=True)
class Found:
    """``target`` (a principal ARN or ``"admin"``) is reached with ``steps``."""

    target: str
    steps: tuple[Step, ...]
    note: str = ""


Finder = Callable[["Targets", Resource], Iterator[Found]]
