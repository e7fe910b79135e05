"""The explanation of a decision: per layer, which statements applied and why others did not.

Layers are named after the policy types of "Policy evaluation logic": ``scp``, ``rcp``,
``resource``, ``identity``, ``boundary`` and ``session``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cloudwarden.iam.conditions import ConditionFailure

__all__ = ["DecisionValue", "Explanation", "LayerExplanation", "StatementResult"]

DecisionValue = Literal["allowed", "explicit_deny", "implicit_deny"]
MissReason = Literal["action", "resource", "principal", "condition"]


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement's verdict: it ``applies`` or it missed on ``reason``.

    ``policy`` and ``statement`` are indexes in the layer's policy list and in the policy;
    ``level`` is the organisation level (root first) for SCPs and RCPs. ``grant`` says how
    a resource-based statement named the principal (``direct``, ``role``, ``account``).
    """

    policy: int
    statement: int
    sid: str | None
    effect: str
    applies: bool
    reason: MissReason | None = None
    condition: ConditionFailure | None = None
    level: int | None = None
    grant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "policy": self.policy,
            "statement": self.statement,
            "sid": self.sid,
            "effect": self.effect,
            "applies": self.applies,
        }
        if self.level is not None:
            out["level"] = self.level
        if self.reason is not None:
            out["reason"] = self.reason
        if self.condition is not None:
            out["condition"] = self.condition.to_dict()
        if self.grant is not None:
            out["grant"] = self.grant
        return out


@dataclass(frozen=True, slots=True)
class LayerExplanation:
    """One policy type's part in the decision.

    ``applies`` is false when the layer does not take part (no policy, or an exemption such
    as the management account for SCPs); ``note`` says why. ``allowed`` is whether the
    layer has an applicable Allow (``None`` when it does not apply); ``level_allows`` gives
    it per organisation level for SCPs and RCPs.
    """

    layer: str
    applies: bool
    note: str = ""
    allowed: bool | None = None
    denied: bool = False
    statements: tuple[StatementResult, ...] = ()
    level_allows: tuple[bool, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"applies": self.applies}
        if self.note:
            out["note"] = self.note
        if self.applies:
            out["allowed"] = self.allowed
            out["denied"] = self.denied
            out["statements"] = [s.to_dict() for s in self.statements]
        if self.level_allows is not None:
            out["level_allows"] = list(self.level_allows)
        return out


@dataclass(frozen=True, slots=True)
class Explanation:
    reason: str
    layers: tuple[LayerExplanation, ...]

    def layer(self, name: str) -> LayerExplanation:
        """The explanation of one layer by name (``scp``, ``identity``, …)."""
        for layer in self.layers:
            if layer.layer == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "layers": {x.layer: x.to_dict() for x in self.layers}}
