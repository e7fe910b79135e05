"""Errors raised while reading policy documents.

Following the design rule of collecting *all* problems of one document, the parser
gathers ``PolicyProblem`` records (a JSON path such as
``Statement[2].Condition.StringEquals`` and a message) and raises one
``PolicyParseError`` carrying them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PolicyParseError", "PolicyProblem"]


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PolicyParseError(ValueError):
    """A policy document that cannot be read; ``problems`` lists every located issue."""

    def __init__(self, problems: Iterable[PolicyProblem]) -> None:
        self.problems: tuple[PolicyProblem, ...] = tuple(problems) or (
            PolicyProblem("", "invalid policy"),
        )
        super().__init__("; ".join(str(p) for p in self.problems))

    @property
    def path(self) -> str:
        """The JSON path of the first problem."""
        return self.problems[0].path

    @property
    def message(self) -> str:
        """The message of the first problem."""
        return self.problems[0].message

    def with_prefix(self, prefix: str) -> PolicyParseError:
        """The same problems located under ``prefix`` (e.g. ``identity_policies[1]``)."""
        return PolicyParseError(
            PolicyProblem(f"{prefix}.{p.path}" if p.path else prefix, p.message)
            for p in self.problems
        )
