"""Redundancy checks: actions, resources and statements that add nothing, and Allow
statements that an unconditional Deny cancels.

Source: "Policy evaluation logic" (an explicit Deny overrides any Allow; statements are
ORed), and the catalogue for which actions a pattern names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from cloudwarden.iam.validate.arns import action_covers, resource_covers
from cloudwarden.iam.validate.model import Category, Issue, validation_check
from cloudwarden.iam.validate.view import PolicyView, StatementView

W, S = Category.WARNING, Category.SUGGESTION


Member = tuple[tuple[str | int, ...], str]


def _covered_members(
    values: list[Member], covers: Callable[[str, str], bool], fold_case: bool
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """Entries another entry of the same list already covers; of two equal entries the
    later one is reported."""
    for j, (path, narrow) in enumerate(values):
        for i, (_, wide) in enumerate(values):
            if i == j:
                continue
            same = wide.lower() == narrow.lower() if fold_case else wide == narrow
            if (same and i < j) or (not same and covers(wide, narrow)):
                yield path, narrow, wide
                break


@validation_check("REDUNDANT_ACTION", S, fix="Remove the action the other one already covers.")
def redundant_action(view: PolicyView) -> Iterator[Issue]:
    """An action already matched by another entry of the same list (``s3:GetObject`` beside
    ``s3:Get*``)."""
    for st in view.statements:
        for key in ("Action", "NotAction"):
            for path, narrow, wide in _covered_members(
                st.strings(key), action_covers, fold_case=True
            ):
                yield Issue(path, f"{narrow} is already covered by {wide}")


@validation_check("REDUNDANT_RESOURCE", S, fix="Remove the resource the other one already covers.")
def redundant_resource(view: PolicyView) -> Iterator[Issue]:
    """A resource already matched by another entry of the same list."""
    for st in view.statements:
        for key in ("Resource", "NotResource"):
            for path, narrow, wide in _covered_members(
                st.strings(key), resource_covers, fold_case=False
            ):
                yield Issue(path, f"{narrow} is already covered by {wide}")


def _same(a: StatementView, b: StatementView, keys: tuple[str, ...]) -> bool:
    return all(
        json.dumps(a.get(k), sort_keys=True) == json.dumps(b.get(k), sort_keys=True) for k in keys
    )


def _covers(wide: StatementView, narrow: StatementView) -> bool:
    """Every action and resource of ``narrow`` is in ``wide`` (Action/Resource forms only)."""
    if not all(s.has("Action") and s.has("Resource") for s in (wide, narrow)):
        return False
    if any(s.has(k) for s in (wide, narrow) for k in ("NotAction", "NotResource")):
        return False
    wa, na = wide.values("Action"), narrow.values("Action")
    wr, nr = wide.values("Resource"), narrow.values("Resource")
    return (
        bool(na) and bool(nr)
        and all(any(action_covers(w, n) for w in wa) for n in na)
        and all(any(resource_covers(w, n) for w in wr) for n in nr)
    )  # fmt: skip


@validation_check(
    "REDUNDANT_STATEMENT", S, fix="Remove the statement; the other one grants the same."
)
def redundant_statement(view: PolicyView) -> Iterator[Issue]:
    """A statement whose every action and resource another statement of the same effect,
    principal and condition already covers."""
    statements = view.statements
    for j, narrow in enumerate(statements):
        for i, wide in enumerate(statements):
            if i == j or not _same(
                wide, narrow, ("Effect", "Principal", "NotPrincipal", "Condition")
            ):
                continue
            if _covers(wide, narrow) and (not _covers(narrow, wide) or i < j):
                yield Issue(narrow.path, f"statement {j} adds nothing to statement {i}")
                break


@validation_check(
    "ALLOW_SHADOWED_BY_DENY",
    W,
    fix="Remove the Allow, or narrow the Deny if the Allow is meant to work.",
    aws=False,
)
def allow_shadowed_by_deny(view: PolicyView) -> Iterator[Issue]:
    """An Allow whose every action and resource an unconditional Deny of the same policy
    covers can never take effect: an explicit Deny always wins."""
    statements = view.statements
    for j, allow in enumerate(statements):
        if not allow.allow:
            continue
        for i, deny in enumerate(statements):
            if deny.effect != "Deny" or deny.has_condition or deny.has("NotPrincipal"):
                continue
            if deny.get("Principal") not in ("*", None) and not _same(deny, allow, ("Principal",)):
                continue
            if _covers(deny, allow):
                yield Issue(
                    allow.path, f"statement {j} is always overridden by the Deny of statement {i}"
                )
                break
