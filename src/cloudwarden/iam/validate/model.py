"""The records of policy validation: categories, findings, and the registry of checks.

The four categories are IAM Access Analyzer's ``findingType`` values ("Access Analyzer
policy validation"): ``ERROR`` (part of the policy does not work), ``SECURITY_WARNING``
(more access than intended), ``WARNING`` (a best-practice problem) and ``SUGGESTION``
(style; access is unchanged). Codes reuse Access Analyzer's ``issueCode`` where one
exists, so a reader can move between the two tools.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from cloudwarden.registry import Registry

if TYPE_CHECKING:
    from cloudwarden.iam.validate.view import PolicyView

__all__ = [
    "AWS_REFERENCE",
    "CHECKS",
    "Category",
    "Issue",
    "JsonPath",
    "PolicyType",
    "ValidationCheck",
    "ValidationFinding",
    "render_path",
    "validation_check",
]

AWS_REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)
OWN_REFERENCE = "https://github.com/cloudwarden/cloudwarden/blob/main/docs/iam-validate.md"

JsonPath = tuple[str | int, ...]


class Category(StrEnum):
    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        """Higher is more serious; used by ``--fail-on``."""
        return _RANK[self]


_RANK = {
    Category.SUGGESTION: 0,
    Category.WARNING: 1,
    Category.SECURITY_WARNING: 2,
    Category.ERROR: 3,
}


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    SCP = "scp"
    RCP = "rcp"
    TRUST = "trust"


class ValidationFinding(BaseModel):
    """One problem found in a policy: where it is, why it matters, how to fix it."""

    model_config = ConfigDict(frozen=True)

    code: str
    category: Category
    message: str
    path: str
    fix: str
    learn_more: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """What a check yields: the JSON path, a message, and a fix when the default will not do."""

    path: JsonPath
    message: str
    fix: str | None = None


CheckFunction = Callable[["PolicyView"], Iterable[Issue]]


@dataclass(frozen=True, slots=True)
class ValidationCheck:
    code: str
    category: Category
    fix: str
    policy_types: frozenset[PolicyType] | None
    aws: bool
    function: CheckFunction
    description: str

    @property
    def learn_more(self) -> str:
        return AWS_REFERENCE if self.aws else f"{OWN_REFERENCE}#{self.code.lower()}"

    def applies_to(self, policy_type: PolicyType) -> bool:
        return self.policy_types is None or policy_type in self.policy_types


CHECKS: Registry[ValidationCheck] = Registry("validation check")


def validation_check(
    code: str,
    category: Category,
    *,
    fix: str,
    types: Iterable[PolicyType] | None = None,
    aws: bool = True,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under its code. ``aws=False`` marks a code of our own (no
    Access Analyzer equivalent); the docstring's first paragraph is its description."""

    def register(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip()
        CHECKS.add(
            code,
            ValidationCheck(
                code=code,
                category=category,
                fix=fix,
                policy_types=frozenset(types) if types is not None else None,
                aws=aws,
                function=function,
                description=" ".join(doc.split("\n\n")[0].split()) if doc else code,
            ),
        )
        return function

    return register


def _needs_quotes(key: str) -> bool:
    return not key or any(ch in key for ch in '.[]" ') or key[0].isdigit()


def render_path(path: JsonPath) -> str:
    """``Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _needs_quotes(part):
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)
