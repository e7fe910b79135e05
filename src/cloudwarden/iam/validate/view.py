"""A read-only view of a raw policy document that checks share.

Checks read the decoded JSON, not the parsed ``Policy`` model: validation must describe a
policy that does not parse, and must point at the exact element, so every helper here
returns values together with their JSON path. ``Statement`` may be one object or a list,
and single strings may stand where lists are allowed ("IAM JSON policy element reference").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.iam.validate.model import JsonPath, PolicyType

__all__ = ["ConditionEntry", "PolicyView", "ResourceTarget", "StatementView", "items"]


def items(value: object, path: JsonPath) -> Iterator[tuple[JsonPath, object]]:
    """The members of a string-or-list element, each with its path."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i), item
    else:
        yield path, value


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One ``operator: {key: values}`` entry of a Condition block."""

    operator: str
    key: str
    value: object
    path: JsonPath

    @property
    def values(self) -> list[tuple[JsonPath, object]]:
        return list(items(self.value, self.path))

    @property
    def base_operator(self) -> str:
        """The operator without ``ForAllValues:``/``ForAnyValue:`` and ``IfExists``."""
        base = self.operator.partition(":")[2] if ":" in self.operator else self.operator
        if base.lower().endswith("ifexists") and len(base) > len("ifexists"):
            base = base[: -len("ifexists")]
        return base

    @property
    def qualifier(self) -> str | None:
        head, sep, _ = self.operator.partition(":")
        return head.lower() if sep else None

    @property
    def if_exists(self) -> bool:
        base = self.operator.partition(":")[2] if ":" in self.operator else self.operator
        return base.lower().endswith("ifexists") and len(base) > len("ifexists")


@dataclass(frozen=True, slots=True)
class StatementView:
    raw: Mapping[str, Any]
    path: JsonPath

    def get(self, key: str) -> object:
        return self.raw.get(key)

    def has(self, key: str) -> bool:
        return key in self.raw

    @property
    def effect(self) -> object:
        return self.raw.get("Effect")

    @property
    def allow(self) -> bool:
        return self.raw.get("Effect") == "Allow"

    def strings(self, key: str) -> list[tuple[JsonPath, str]]:
        """The string members of a string-or-list element (others are skipped)."""
        if key not in self.raw:
            return []
        return [(p, v) for p, v in items(self.raw[key], (*self.path, key)) if isinstance(v, str)]

    def values(self, key: str) -> list[str]:
        return [v for _, v in self.strings(key)]

    @property
    def conditions(self) -> list[ConditionEntry]:
        block = self.raw.get("Condition")
        if not isinstance(block, dict):
            return []
        out: list[ConditionEntry] = []
        for operator, keys in block.items():
            if isinstance(keys, dict):
                for key, value in keys.items():
                    out.append(
                        ConditionEntry(
                            str(operator), str(key), value, (*self.path, "Condition", operator, key)
                        )
                    )
        return out

    def condition_keys(self) -> set[str]:
        return {c.key.lower() for c in self.conditions}

    @property
    def has_condition(self) -> bool:
        return bool(self.conditions)

    def principal_values(self, kind: str, element: str = "Principal") -> list[tuple[JsonPath, str]]:
        """Values of one principal type (``AWS``, ``Service``, ``Federated``, ...);
        ``"Principal": "*"`` counts as ``{"AWS": "*"}``."""
        raw = self.raw.get(element)
        if raw == "*":
            return [((*self.path, element), "*")] if kind == "AWS" else []
        if not isinstance(raw, dict) or kind not in raw:
            return []
        return [
            (p, v) for p, v in items(raw[kind], (*self.path, element, kind)) if isinstance(v, str)
        ]


@dataclass(frozen=True, slots=True)
class ResourceTarget:
    """The resource a resource-based policy is attached to (``--resource-type``)."""

    service: str
    name: str
    arn_patterns: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(slots=True)
class PolicyView:
    raw: Mapping[str, Any]
    policy_type: PolicyType
    resource: ResourceTarget | None = None
    text: str | None = None
    root: object = None
    syntax_error: tuple[str, int, int] | None = None
    _statements: list[StatementView] | None = field(default=None, repr=False)

    @property
    def statements(self) -> list[StatementView]:
        if self._statements is None:
            body = self.raw.get("Statement")
            out: list[StatementView] = []
            if isinstance(body, dict):
                out.append(StatementView(body, ("Statement",)))
            elif isinstance(body, list):
                out.extend(
                    StatementView(item, ("Statement", i))
                    for i, item in enumerate(body)
                    if isinstance(item, dict)
                )
            self._statements = out
        return self._statements

    @property
    def version(self) -> object:
        return self.raw.get("Version")
