"""Attribute each disagreement with the oracle to a known, documented reason.

A reason is accepted only by counterfactual: the line is rewritten so that cloudwarden's
engine reproduces the oracle's deviation (and nothing else), and the rewritten line must
then give the oracle's decision. Example: the oracle does not exempt the management
account from SCPs, so a line with ``principal_is_management_account`` is re-decided
without the flag; if that matches the oracle, the disagreement is the documented
exemption. Single reasons are tried first, then every applicable reason together. The
documentation that decides each reason is in ``docs/iam-semantics.md`` ("Differential
testing against iam-simulate").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from itertools import combinations
from typing import Any

from rewrite import REWRITES, Rewrite

from cloudwarden.iam import Request, evaluate
from cloudwarden.iam.batch import LinePolicies, decide_line

Json = dict[str, Any]


class Classifier:
    """Explain one disagreement, or return ``None`` when no known reason accounts for it."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def decide(self, line: Json) -> str:
        return str(decide_line(line, clock=self.clock)["decision"])

    def _explained(self, line: Json) -> Json:
        plain = {k: v for k, v in line.items() if not k.startswith("__")}
        return decide_line(plain, explain=True, clock=self.clock)

    def explain(self, line: Json, ours: str, oracle: Json) -> str | None:
        """The name of the reason (or ``a + b`` for several) that accounts for the
        disagreement, or ``None``."""
        wanted = oracle["decision"]
        explained = self._explained(line)
        for rewrite in (r for r in REWRITES if r.applies(line, explained, oracle)):
            current = rewrite.apply(copy.deepcopy(line), explained, oracle)
            if rewrite_decision(current, self.clock) == wanted:
                return rewrite.name
        return self._together(line, oracle)

    def _together(self, line: Json, oracle: Json) -> str | None:
        """Several reasons at once: the smallest set of rewrites that, applied together,
        gives the oracle's decision. Candidates are the rewrites that apply to the line or
        come to apply once others have been applied (dropping a context key can make an
        ``IfExists`` rewrite apply, a stand-in for the root user a ``NotPrincipal`` one)."""
        candidates = self._closure(line, oracle)
        for size in range(2, len(candidates) + 1):
            for combo in combinations(candidates, size):
                used = self._apply_all(line, oracle, list(combo))
                if used is not None and len(used) == size:
                    return " + ".join(sorted(r.name for r in used))
        return None

    def _closure(self, line: Json, oracle: Json) -> list[Rewrite]:
        current = copy.deepcopy(line)
        found: list[Rewrite] = []
        for _ in range(len(REWRITES)):
            explained = self._explained(current)
            fresh = [
                r for r in REWRITES if r not in found and r.applies(current, explained, oracle)
            ]
            if not fresh:
                break
            for rewrite in fresh:
                current = rewrite.apply(current, explained, oracle)
            found += fresh
        return [r for r in REWRITES if r in found]

    def _apply_all(self, line: Json, oracle: Json, allowed: list[Rewrite]) -> list[Rewrite] | None:
        """Apply the ``allowed`` rewrites that apply, re-checking after each round (one
        rewrite can reveal another: a condition fixed first, then the layer it was in);
        the rewrites used if the oracle's decision is reached, else ``None``."""
        current = copy.deepcopy(line)
        used: list[Rewrite] = []
        for _ in range(len(allowed)):
            explained = self._explained(current)
            fresh = [r for r in allowed if r not in used and r.applies(current, explained, oracle)]
            if not fresh:
                return None
            for rewrite in fresh:
                current = rewrite.apply(current, explained, oracle)
                used.append(rewrite)
            if rewrite_decision(copy.deepcopy(current), self.clock) == oracle["decision"]:
                return used
        return None


def rewrite_decision(line: Json, clock: Callable[[], datetime]) -> str:
    """Decide a rewritten line; a rewrite may ask for RCPs on every service
    (``__rcp_services``), which the batch format cannot say."""
    plain = {k: v for k, v in line.items() if not k.startswith("__")}
    services = line.get("__rcp_services")
    if services is None:
        return str(decide_line(plain, clock=clock)["decision"])
    compiled = LinePolicies().compiled(plain)
    policies = replace(compiled.policies, rcp_services=frozenset(services))
    request = Request(
        plain["principal"],
        plain["action"],
        plain.get("resource", "*"),
        plain.get("context") or {},
        clock=clock,
    )
    return evaluate(request, policies, explain=False).decision
