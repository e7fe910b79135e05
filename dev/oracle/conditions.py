"""Random Condition blocks covering every operator family, qualifier and policy variables.

Operator families follow "IAM JSON policy elements: Condition operators"; the set
qualifiers follow "Single-valued vs. multivalued context keys"; variables follow "IAM
policy elements: Variables and tags".
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from universe import KEYS, VARIABLES, Key

if TYPE_CHECKING:
    from generate import Request

_ORDERED = ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan",
            "GreaterThanEquals")  # fmt: skip
OPERATORS: dict[str, tuple[str, ...]] = {
    "String": ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
               "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"),
    "Numeric": tuple(f"Numeric{o}" for o in _ORDERED),
    "Date": tuple(f"Date{o}" for o in _ORDERED),
    "Bool": ("Bool",),
    "Binary": ("BinaryEquals",),
    "IpAddress": ("IpAddress", "NotIpAddress"),
    "Arn": ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"),
}  # fmt: skip
_FAMILY_WEIGHT = {"String": 6, "Numeric": 2, "Date": 2, "Bool": 3, "Binary": 1,
                  "IpAddress": 3, "Arn": 3}  # fmt: skip
_SERVICE_KEYS = {"s3:prefix": "s3", "kms:ViaService": "kms"}


class ConditionMaker:
    """Condition blocks for one request: keys of other services are rare (the oracle drops
    context keys that do not apply to the action)."""

    def __init__(self, rng: random.Random, req: Request) -> None:
        self.rng = rng
        self.req = req
        self.keys = [k for k in KEYS if self._usable(k)]

    def _usable(self, key: Key) -> bool:
        service = _SERVICE_KEYS.get(key.name)
        if service is None:
            return True
        return service == self.req.service or self.rng.random() < 0.1

    def block(self, clauses: int) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for _ in range(clauses):
            operator, key, values = self.clause()
            out.setdefault(operator, {})[self._case(key)] = values
        return out

    def _case(self, key: str) -> str:
        """Key names are case-insensitive ("IAM JSON policy elements: Condition")."""
        roll = self.rng.random()
        if roll < 0.05:
            return key.lower()
        if roll < 0.08:
            return key.upper()
        return key

    def clause(self) -> tuple[str, str, Any]:
        rng = self.rng
        if rng.random() < 0.1:
            key = rng.choice(self.keys)
            return "Null", key.name, rng.choice(["true", "false", ["true"]])
        family = rng.choices(list(_FAMILY_WEIGHT), weights=list(_FAMILY_WEIGHT.values()))[0]
        candidates = [k for k in self.keys if k.family == family] or self.keys
        key = rng.choice(candidates)
        operator = rng.choice(OPERATORS[key.family])
        if rng.random() < 0.2:
            operator += "IfExists"
        operator = self._qualified(operator, key)
        return operator, key.name, self.values(key)

    def _qualified(self, operator: str, key: Key) -> str:
        roll = self.rng.random()
        if (key.multi and roll < 0.85) or (not key.multi and roll < 0.05):
            return self.rng.choice(("ForAllValues:", "ForAnyValue:")) + operator
        return operator

    def values(self, key: Key) -> Any:
        rng = self.rng
        count = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        picked = [self._value(key) for _ in range(count)]
        return picked[0] if count == 1 and rng.random() < 0.7 else picked

    def _value(self, key: Key) -> str:
        rng = self.rng
        if key.family in ("String", "Arn") and rng.random() < 0.12:
            return self._variable(key)
        return rng.choice(key.policy)

    def _variable(self, key: Key) -> str:
        rng = self.rng
        variable = rng.choice(VARIABLES)
        if key.family == "Arn":
            return f"arn:aws:iam::{rng.choice(['${aws:PrincipalAccount}', '*'])}:user/*"
        base = rng.choice(key.policy)
        return rng.choice([variable, f"{base[:2]}{variable}", f"{variable}*"])
