"""Checks that join condition keys with actions: a service key no action of the statement
supports, and keys that only work beside a given action.

Source: the Service Authorization Reference lists, per action and per resource type, the
condition keys in the request context; a key absent from it makes a condition false
(or true for negated operators and ``IfExists``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from functools import lru_cache

from cloudwarden.iam import catalog
from cloudwarden.iam.catalog import UnknownResourceTypeError
from cloudwarden.iam.matching import action_matches
from cloudwarden.iam.validate.knowledge import condition_key_type, key_template_prefix
from cloudwarden.iam.validate.model import Category, Issue, validation_check
from cloudwarden.iam.validate.view import PolicyView

E = Category.ERROR


@lru_cache(maxsize=8192)
def _action_keys(action: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Exact keys and templated-key prefixes an action's request context can carry."""
    info = catalog.action_info(action)
    service = info.name.partition(":")[0]
    keys = list(info.condition_keys)
    for ref in info.resource_types:
        keys.extend(ref.condition_keys)
        with suppress(UnknownResourceTypeError):
            keys.extend(catalog.resource_type_info(service, ref.name).condition_keys)
    exact = [key.lower() for key in keys]
    prefixes = [p for p in (key_template_prefix(key) for key in keys) if p is not None]
    return tuple(exact), tuple(prefixes)


def supports_key(action: str, key: str) -> bool:
    """Whether ``key`` can be in the request context of ``action``."""
    exact, prefixes = _action_keys(action)
    lower = key.lower()
    return lower in exact or any(lower.startswith(p) and len(lower) > len(p) for p in prefixes)


@validation_check(
    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
    E,
    fix="Move those actions to a statement without the key, or use a key they support.",
)
def unsupported_action_for_condition_key(view: PolicyView) -> Iterator[Issue]:
    """A known service condition key is only in the request context of actions that list it;
    for the others, the condition is never met (or always met, when negated)."""
    for st in view.statements:
        patterns = [a for a in st.values("Action") if a != "*"]
        for c in st.conditions:
            prefix = c.key.partition(":")[0].lower()
            if (
                prefix == "aws"
                or prefix not in catalog.services()
                or condition_key_type(c.key) is None
            ):
                continue
            unsupported = []
            for pattern in patterns:
                expanded = (
                    catalog.expand_action(pattern)
                    if pattern.partition(":")[0].lower() in catalog.services()
                    else ()
                )
                if expanded and not any(supports_key(a, c.key) for a in expanded):
                    unsupported.append(pattern)
            if unsupported:
                yield Issue(c.path, f"{c.key} is not in the context of {', '.join(unsupported)}")


@validation_check(
    "MISSING_ACTION_FOR_CONDITION_KEY",
    E,
    fix="Add ec2:CreateTags to the Action list of the statement.",
)
def missing_action_for_condition_key(view: PolicyView) -> Iterator[Issue]:
    """``ec2:CreateAction`` only exists in the context of ec2:CreateTags (tagging on create),
    so a statement using it must allow ec2:CreateTags."""
    for st in view.statements:
        for c in st.conditions:
            tags = any(action_matches(p, "ec2:CreateTags") for p in st.values("Action"))
            if c.key.lower() == "ec2:createaction" and not tags:
                yield Issue(c.path, "ec2:CreateAction needs ec2:CreateTags in the Action list")
