"""Condition checks: operators, keys from the catalogue and the global key list, the
operator family a key's type needs, set qualifiers and empty values (value formats are
in ``checks_values``).

Sources: "IAM JSON policy elements: Condition operators", "Single-valued vs. multivalued
context keys", "AWS global condition context keys", the condition keys of the Service
Authorization Reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cloudwarden.iam.condition_ops import Family, lookup_operator
from cloudwarden.iam.validate.knowledge import (
    condition_key_type,
    global_key_type,
    is_multivalued,
    is_tag_stem,
    services_for_prefix,
)
from cloudwarden.iam.validate.model import Category, Issue, PolicyType, validation_check
from cloudwarden.iam.validate.view import ConditionEntry, PolicyView

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType
QUALIFIERS = ("forallvalues", "foranyvalue")


def _entries(view: PolicyView) -> Iterator[ConditionEntry]:
    for st in view.statements:
        yield from st.conditions


def _family(entry: ConditionEntry) -> Family | None:
    if entry.qualifier is not None and entry.qualifier not in QUALIFIERS:
        return None
    spec = lookup_operator(entry.base_operator)
    return spec.family if spec is not None else None


def _scalars(entry: ConditionEntry) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """String forms of scalar values (booleans and numbers as IAM reads them), without
    values that hold policy variables."""
    for path, value in entry.values:
        if isinstance(value, bool):
            yield path, "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
            if "${" not in text:
                yield path, text


@validation_check("EMPTY_OBJECT_CONDITION", S, fix="Add conditions or remove the empty block.")
def empty_object_condition(view: PolicyView) -> Iterator[Issue]:
    """An empty Condition block, or an operator without keys, adds nothing."""
    for st in view.statements:
        block = st.get("Condition")
        if block == {}:
            yield Issue((*st.path, "Condition"), "the Condition block is empty")
        elif isinstance(block, dict):
            for op, keys in block.items():
                if keys == {}:
                    yield Issue((*st.path, "Condition", op), f"{op} has no condition keys")


@validation_check(
    "INVALID_CONDITION_OPERATOR", E, fix="Use a condition operator such as StringEquals or ArnLike."
)
def invalid_condition_operator(view: PolicyView) -> Iterator[Issue]:
    """An operator (or set qualifier) the condition language does not define."""
    for st in view.statements:
        block = st.get("Condition")
        if not isinstance(block, dict):
            continue
        for op in block:
            entry = ConditionEntry(str(op), "", None, ())
            if _family(entry) is None:
                yield Issue((*st.path, "Condition", op), f"{op!r} is not a condition operator")


@validation_check("NULL_WITH_IF_EXISTS", E, fix="Use Null on its own: it already tests presence.")
def null_with_if_exists(view: PolicyView) -> Iterator[Issue]:
    """``NullIfExists`` is meaningless: Null tests whether the key exists."""
    for st in view.statements:
        block = st.get("Condition")
        if isinstance(block, dict):
            for op in block:
                entry = ConditionEntry(str(op), "", None, ())
                if entry.if_exists and entry.base_operator.lower() == "null":
                    yield Issue((*st.path, "Condition", op), f"{op}: Null cannot take IfExists")


@validation_check("NULL_WITH_QUALIFIER", S, fix="Drop ForAllValues/ForAnyValue from Null.")
def null_with_qualifier(view: PolicyView) -> Iterator[Issue]:
    """Set qualifiers on Null give a constant answer rather than a presence test."""
    for st in view.statements:
        block = st.get("Condition")
        if isinstance(block, dict):
            for op in block:
                entry = ConditionEntry(str(op), "", None, ())
                if entry.qualifier in QUALIFIERS and entry.base_operator.lower() == "null":
                    yield Issue((*st.path, "Condition", op), f"{op}: a set qualifier on Null")


@validation_check(
    "INVALID_CONDITION_KEY_FORMAT", E, fix="Write the key as prefix:name (aws:SourceIp, s3:prefix)."
)
def invalid_condition_key_format(view: PolicyView) -> Iterator[Issue]:
    """A condition key is ``prefix:name``."""
    for c in _entries(view):
        prefix, sep, name = c.key.partition(":")
        if not sep or not prefix or not name:
            yield Issue(c.path, f"{c.key!r} is not of the form prefix:name")


@validation_check("INVALID_GLOBAL_CONDITION_KEY", E, fix="Use a global key from the AWS list.")
def invalid_global_condition_key(view: PolicyView) -> Iterator[Issue]:
    """An ``aws:`` key that is not a global condition key."""
    for c in _entries(view):
        lower = c.key.lower()
        unknown = global_key_type(c.key) is None
        if lower.startswith("aws:") and lower != "aws:arn" and not is_tag_stem(c.key) and unknown:
            yield Issue(c.path, f"{c.key} is not a global condition key")


@validation_check(
    "UNSUPPORTED_GLOBAL_CONDITION_KEY", E, fix="Use aws:PrincipalArn or aws:SourceArn."
)
def unsupported_global_condition_key(view: PolicyView) -> Iterator[Issue]:
    """``aws:ARN`` is not evaluated; the caller is aws:PrincipalArn, the source aws:SourceArn."""
    for c in _entries(view):
        if c.key.lower() == "aws:arn":
            yield Issue(c.path, "aws:ARN is not supported")


@validation_check("MISSING_TAG_KEY_IN_CONDITION", E, fix="Add the tag key: aws:ResourceTag/KEY.")
def missing_tag_key_in_condition(view: PolicyView) -> Iterator[Issue]:
    """Tag condition keys name the tag they test after a slash."""
    for c in _entries(view):
        if is_tag_stem(c.key):
            yield Issue(c.path, f"{c.key} needs a tag key, e.g. {c.key.rstrip('/')}/team")


@validation_check(
    "INVALID_SERVICE_CONDITION_KEY", E, fix="Use a condition key the service defines."
)
def invalid_service_condition_key(view: PolicyView) -> Iterator[Issue]:
    """A service-prefixed key that the service does not define."""
    for c in _entries(view):
        prefix, sep, name = c.key.partition(":")
        service_key = (
            sep
            and name
            and prefix.lower() != "aws"
            and services_for_prefix(prefix)
            and not is_tag_stem(c.key)
        )
        if service_key and condition_key_type(c.key) is None:
            yield Issue(c.path, f"{c.key} is not a condition key of {prefix.lower()}")


@validation_check(
    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", E, fix="Merge the values under one spelling of the key."
)
def duplicate_keys_with_different_case(view: PolicyView) -> Iterator[Issue]:
    """Keys are case-insensitive, so two spellings under one operator collide."""
    for st in view.statements:
        block = st.get("Condition")
        if not isinstance(block, dict):
            continue
        for op, keys in block.items():
            if not isinstance(keys, dict):
                continue
            seen: dict[str, str] = {}
            for key in keys:
                if key.lower() in seen and seen[key.lower()] != key:
                    yield Issue(
                        (*st.path, "Condition", op, key), f"{key} repeats {seen[key.lower()]}"
                    )
                seen.setdefault(key.lower(), key)


_ACCEPTS = {
    "String": {Family.STRING},
    "ARN": {Family.ARN, Family.STRING},
    "Bool": {Family.BOOL},
    "Numeric": {Family.NUMERIC},
    "Date": {Family.DATE},
    "IPAddress": {Family.IP},
}
_EPOCH_KEYS = frozenset({"aws:epochtime"})


@validation_check(
    "TYPE_MISMATCH",
    W,
    fix="Use an operator of the key's type (String, Arn, Numeric, Date, Bool, IpAddress).",
)
def type_mismatch(view: PolicyView) -> Iterator[Issue]:
    """The operator family does not fit the key's type (``NumericEquals`` on aws:SourceIp)."""
    for c in _entries(view):
        family = _family(c)
        kind = condition_key_type(c.key)
        if family is None or family in (Family.NULL, Family.BINARY) or kind is None:
            continue
        accepted = _ACCEPTS.get(kind.removeprefix("ArrayOf"), set())
        if c.key.lower() in _EPOCH_KEYS:
            accepted = accepted | {Family.NUMERIC}
        if accepted and family not in accepted:
            names = "/".join(sorted(f.value for f in accepted))
            yield Issue(c.path, f"{c.key} is {kind}: use a {names} operator, not {c.operator}")


def _empty_kind(c: ConditionEntry) -> str:
    if c.qualifier == "forallvalues":
        return "forallvalues"
    if c.qualifier == "foranyvalue":
        return "foranyvalue"
    return "ifexists" if c.if_exists else "plain"


def _empty(view: PolicyView, kind: str, note: str) -> Iterator[Issue]:
    for c in _entries(view):
        if c.value == [] and _empty_kind(c) == kind:
            yield Issue(c.path, f"{c.key} has no values: {note}")


@validation_check("EMPTY_ARRAY_CONDITION", S, fix="Give the key values or remove it.")
def empty_array_condition(view: PolicyView) -> Iterator[Issue]:
    """A key with no values cannot be met, so the statement never applies."""
    yield from _empty(view, "plain", "the condition is never met")


@validation_check(
    "EMPTY_ARRAY_CONDITION_FORALLVALUES", S, fix="Use Null to test whether the key is absent."
)
def empty_array_condition_forallvalues(view: PolicyView) -> Iterator[Issue]:
    """ForAllValues with no values holds only when the key is absent; Null says that plainly."""
    yield from _empty(view, "forallvalues", "it holds only when the key is absent")


@validation_check("EMPTY_ARRAY_CONDITION_FORANYVALUE", S, fix="Give the key values or remove it.")
def empty_array_condition_foranyvalue(view: PolicyView) -> Iterator[Issue]:
    """ForAnyValue with no values never holds."""
    yield from _empty(view, "foranyvalue", "the condition is never met")


@validation_check(
    "EMPTY_ARRAY_CONDITION_IFEXISTS", S, fix="Use Null to test whether the key is absent."
)
def empty_array_condition_ifexists(view: PolicyView) -> Iterator[Issue]:
    """IfExists with no values holds only when the key is absent; Null says that plainly."""
    yield from _empty(view, "ifexists", "it holds only when the key is absent")


def _has_wildcard(text: str) -> bool:
    stripped = re.sub(r"\$\{[^}]*\}", "", text)
    return "*" in stripped or "?" in stripped


@validation_check(
    "WILDCARD_WITHOUT_LIKE_OPERATOR", W, fix="Use StringLike / StringNotLike to match patterns."
)
def wildcard_without_like_operator(view: PolicyView) -> Iterator[Issue]:
    """String equality operators compare ``*`` and ``?`` literally."""
    for c in _entries(view):
        if _family(c) is Family.STRING and "like" not in c.base_operator.lower():
            for path, value in c.values:
                if isinstance(value, str) and _has_wildcard(value):
                    yield Issue(path, f"{value!r} is compared literally by {c.operator}")


@validation_check(
    "MISSING_QUALIFIER", E, fix="Prefix the operator with ForAnyValue: or ForAllValues:."
)
def missing_qualifier(view: PolicyView) -> Iterator[Issue]:
    """A multivalued key (aws:TagKeys, aws:CalledVia, ...) needs a set qualifier."""
    for c in _entries(view):
        family = _family(c)
        if family not in (None, Family.NULL) and c.qualifier is None and is_multivalued(c.key):
            yield Issue(
                c.path, f"{c.key} is multivalued; {c.operator} needs ForAnyValue or ForAllValues"
            )


@validation_check(
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY", SW, fix="Remove ForAllValues: from the operator."
)
def forallvalues_with_single_valued_key(view: PolicyView) -> Iterator[Issue]:
    """ForAllValues also holds when the key is absent, so on a single-valued key it lets
    requests without the key through."""
    for c in _entries(view):
        if c.qualifier == "forallvalues" and is_multivalued(c.key) is False:
            yield Issue(
                c.path, f"{c.key} is single-valued; ForAllValues also holds when it is absent"
            )


@validation_check(
    "REDUNDANT_CONDITION_VALUE_NUM", S, fix="Keep the single value that bounds the range."
)
def redundant_condition_value_num(view: PolicyView) -> Iterator[Issue]:
    """Several values for a numeric bound are ORed, so only the loosest one counts."""
    for c in _entries(view):
        base = c.base_operator.lower()
        if (
            _family(c) is Family.NUMERIC
            and ("than" in base)
            and isinstance(c.value, list)
            and len(c.value) > 1
        ):
            yield Issue(
                c.path, f"{c.operator} with {len(c.value)} values: only the loosest matters"
            )


@validation_check(
    "IRRELEVANT_CONDITION_KEY_IN_POLICY",
    S,
    fix="Move the key to an identity policy or an SCP, where the resource varies.",
    types=(T.RESOURCE,),
)
def irrelevant_condition_key_in_policy(view: PolicyView) -> Iterator[Issue]:
    """In a resource policy the resource is fixed, so keys describing the resource's owner
    (aws:ResourceAccount, aws:ResourceOrgID, aws:ResourceOrgPaths) say nothing new."""
    if view.resource is None:
        return
    for c in _entries(view):
        if c.key.lower() in ("aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"):
            yield Issue(c.path, f"{c.key} always describes the policy's own {view.resource.label}")
