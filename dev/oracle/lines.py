"""Helpers over batch lines (their policies, statements and condition clauses) and the
``Rewrite`` record of one known deviation of the oracle (see ``rewrite.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                     "Resource": "*"}]}  # fmt: skip
NEVER = {"Null": {"cloudwarden:never-present": "false"}}
VAR = re.compile(r"\$\{([^}]*)\}")
EPOCH = re.compile(r"^\d+$")
POLICY_KEYS = ("identity_policies", "resource_policy", "permission_boundary", "session_policy")


@dataclass(frozen=True)
class Rewrite:
    """``applies(line, explanation, oracle)``, ``apply(line, explanation, oracle)``;
    ``dynamic`` when ``applies`` reads cloudwarden's explanation, which other rewrites change."""

    name: str
    applies: Callable[[Json, Json, Json], bool]
    apply: Callable[[Json, Json, Json], Json]
    dynamic: bool = False


def policies(line: Json) -> Iterator[Json]:
    """Every policy document of a line, SCP and RCP levels included."""
    for key in POLICY_KEYS:
        value = line.get(key)
        for doc in value if isinstance(value, list) else [value]:
            if isinstance(doc, dict):
                yield doc
    for key in ("scps", "rcps"):
        for level in line.get(key) or []:
            yield from (d for d in level if isinstance(d, dict))


def statements(doc: Json) -> list[Json]:
    body = doc.get("Statement", [])
    return body if isinstance(body, list) else [body]


def clauses(line: Json) -> Iterator[tuple[Json, Json, str, str]]:
    """(statement, condition block, operator, key) for every condition clause of a line."""
    for doc in policies(line):
        for st in statements(doc):
            for operator, keys in (st.get("Condition") or {}).items():
                for key in list(keys):
                    yield st, st["Condition"], operator, key


def context_value(line: Json, key: str) -> Any:
    for name, value in (line.get("context") or {}).items():
        if name.lower() == key.lower():
            return value
    return None
