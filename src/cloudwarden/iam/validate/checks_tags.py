"""Tag condition keys and the services that do not evaluate them.

Source: the Service Authorization Reference lists, per action and resource type, whether
``aws:ResourceTag/*``, ``aws:RequestTag/*`` and ``aws:TagKeys`` are in the request
context. For a service that never has the key, a positive condition on it is false: an
Allow then grants nothing for that service, and a Deny denies nothing for it — the
dangerous case. Negated operators and ``IfExists`` hold when the key is absent, so they
are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from cloudwarden.iam import catalog
from cloudwarden.iam.condition_ops import lookup_operator
from cloudwarden.iam.validate.checks_keys import supports_key
from cloudwarden.iam.validate.model import Category, Issue, validation_check
from cloudwarden.iam.validate.view import ConditionEntry, PolicyView, StatementView

SW, S = Category.SECURITY_WARNING, Category.SUGGESTION
_STEMS = ("aws:resourcetag/", "aws:requesttag/", "aws:tagkeys")


def _stem(key: str) -> str | None:
    lower = key.lower()
    for stem in _STEMS:
        if lower == stem or (stem.endswith("/") and lower.startswith(stem) and lower != stem):
            return stem
    return None


@lru_cache(maxsize=4096)
def service_supports(service: str, stem: str) -> bool:
    """Whether any action of ``service`` has the tag key in its request context."""
    probe = stem + "x" if stem.endswith("/") else stem
    return any(supports_key(a, probe) for a in catalog.service_actions(service))


def _tag_conditions(st: StatementView) -> list[tuple[ConditionEntry, str]]:
    out = []
    for c in st.conditions:
        spec = lookup_operator(c.base_operator)
        stem = _stem(c.key)
        if stem and spec is not None and not spec.negated and not c.if_exists:
            out.append((c, stem))
    return out


def _services(st: StatementView) -> set[str]:
    known = frozenset(catalog.services())
    out = set()
    for action in st.values("Action"):
        service = action.partition(":")[0].lower()
        if service in known:
            out.add(service)
    return out


def _listed(view: PolicyView, effect: str) -> Iterator[Issue]:
    for st in view.statements:
        if st.effect != effect or not st.has("Action"):
            continue
        services = _services(st)
        for c, stem in _tag_conditions(st):
            missing = sorted(s for s in services if not service_supports(s, stem))
            if missing:
                yield Issue(c.path, f"{c.key} is never present for {', '.join(missing)}")


def _not_action(view: PolicyView, effect: str) -> Iterator[Issue]:
    for st in view.statements:
        if st.effect != effect or not st.has("NotAction"):
            continue
        for c, _ in _tag_conditions(st):
            yield Issue(c.path, f"NotAction reaches services that never carry {c.key}")


@validation_check(
    "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    SW,
    fix="Deny those services' actions in a separate statement, without the tag condition.",
)
def deny_with_unsupported_tag_key(view: PolicyView) -> Iterator[Issue]:
    """A Deny conditioned on a tag key denies nothing for services that never carry it."""
    yield from _listed(view, "Deny")


@validation_check(
    "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    SW,
    fix="List the actions to deny instead of NotAction, or drop the tag condition.",
)
def deny_notaction_with_unsupported_tag_key(view: PolicyView) -> Iterator[Issue]:
    """Deny with NotAction and a tag key leaves every service without that key undenied."""
    yield from _not_action(view, "Deny")


@validation_check(
    "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    S,
    fix="Move those services' actions to a statement without the tag condition.",
)
def allow_with_unsupported_tag_key(view: PolicyView) -> Iterator[Issue]:
    """An Allow conditioned on a tag key grants nothing for services that never carry it."""
    yield from _listed(view, "Allow")


@validation_check(
    "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    S,
    fix="List the allowed actions instead of NotAction.",
)
def allow_notaction_with_unsupported_tag_key(view: PolicyView) -> Iterator[Issue]:
    """Allow with NotAction and a tag key only allows services that carry the key."""
    yield from _not_action(view, "Allow")
