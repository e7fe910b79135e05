"""Grammar checks: the shape of the document, its Version, elements, Effect and Sids.

Source: "IAM JSON policy element reference" and "Grammar of the IAM JSON policy language".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from cloudwarden.iam.validate.knowledge import (
    DEFAULT_RESOURCE_QUOTA,
    IDENTITY_QUOTA,
    RCP_QUOTA,
    RESOURCE_QUOTAS,
    SCP_QUOTA,
    TRUST_QUOTA,
)
from cloudwarden.iam.validate.model import Category, Issue, PolicyType, validation_check
from cloudwarden.iam.validate.view import PolicyView, items

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType
VERSIONS = ("2012-10-17", "2008-10-17")
TOP_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
    "NotResource", "Condition",
)  # fmt: skip
_SID_RE = re.compile(r"^[A-Za-z0-9]*$")


@validation_check("JSON_SYNTAX_ERROR", E, fix="Correct the JSON at the position shown.")
def json_syntax_error(view: PolicyView) -> Iterator[Issue]:
    """The document is not valid JSON, so no other check can run."""
    if view.syntax_error is not None:
        message, line, column = view.syntax_error
        yield Issue((), f"invalid JSON at line {line} column {column}: {message}")


@validation_check(
    "DATA_TYPE_MISMATCH", E, fix="Use the JSON type the element expects (string, list, object)."
)
def data_type_mismatch(view: PolicyView) -> Iterator[Issue]:
    """An element holds the wrong JSON type (a number for an Action, a string for a Condition)."""
    if not isinstance(view.root, dict):
        yield Issue((), "a policy must be a JSON object")
        return
    for key in ("Version", "Id"):
        if key in view.raw and not isinstance(view.raw[key], str):
            yield Issue((key,), f"{key} must be a string")
    body = view.raw.get("Statement")
    if body is not None and not isinstance(body, dict | list):
        yield Issue(("Statement",), "Statement must be an object or a list of objects")
    if isinstance(body, list):
        for i, item in enumerate(body):
            if not isinstance(item, dict):
                yield Issue(("Statement", i), "each statement must be an object")
    for st in view.statements:
        for key in ("Sid", "Effect"):
            if st.has(key) and not isinstance(st.get(key), str):
                yield Issue((*st.path, key), f"{key} must be a string")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if st.has(key):
                for path, value in items(st.get(key), (*st.path, key)):
                    if not isinstance(value, str):
                        yield Issue(path, f"{key} entries must be strings")
        if st.has("Condition") and not isinstance(st.get("Condition"), dict):
            yield Issue((*st.path, "Condition"), "Condition must be an object")
        condition = st.get("Condition")
        if isinstance(condition, dict):
            for op, keys in condition.items():
                if not isinstance(keys, dict):
                    yield Issue((*st.path, "Condition", op), "an operator must map keys to values")


@validation_check(
    "MISSING_VERSION", W, fix='Add "Version": "2012-10-17" as the first element of the policy.'
)
def missing_version(view: PolicyView) -> Iterator[Issue]:
    """No Version: AWS then reads the policy as 2008-10-17, where policy variables are text."""
    if isinstance(view.root, dict) and "Version" not in view.raw:
        yield Issue((), "the policy has no Version element")


@validation_check("INVALID_VERSION", E, fix='Set "Version" to "2012-10-17".')
def invalid_version(view: PolicyView) -> Iterator[Issue]:
    """Version must be 2012-10-17 (current) or 2008-10-17 (legacy); no other value is valid."""
    version = view.raw.get("Version")
    if isinstance(version, str) and version not in VERSIONS:
        yield Issue(("Version",), f"Version {version!r} is not 2012-10-17 or 2008-10-17")


@validation_check("MISSING_STATEMENT", E, fix="Add at least one statement to the policy.")
def missing_statement(view: PolicyView) -> Iterator[Issue]:
    """A policy without statements grants and denies nothing."""
    if not isinstance(view.root, dict):
        return
    body = view.raw.get("Statement")
    if "Statement" not in view.raw:
        yield Issue((), "the policy has no Statement element")
    elif body == []:
        yield Issue(("Statement",), "the Statement list is empty")


@validation_check(
    "INVALID_POLICY_ELEMENT",
    E,
    fix="Remove the element or correct its spelling (names are case-sensitive).",
)
def invalid_policy_element(view: PolicyView) -> Iterator[Issue]:
    """An element name the policy grammar does not define (``Statment``, ``action``)."""
    for key in view.raw:
        if key not in TOP_KEYS:
            yield Issue((key,), f"{key!r} is not a policy element (Version, Id, Statement)")
    for st in view.statements:
        for key in st.raw:
            if key not in STATEMENT_KEYS:
                yield Issue((*st.path, key), f"{key!r} is not a statement element")


@validation_check("MISSING_EFFECT", E, fix='Add "Effect": "Allow" or "Effect": "Deny".')
def missing_effect(view: PolicyView) -> Iterator[Issue]:
    """Every statement needs an Effect."""
    for st in view.statements:
        if not st.has("Effect"):
            yield Issue(st.path, "the statement has no Effect")


@validation_check("INVALID_EFFECT", E, fix='Use "Allow" or "Deny" (case-sensitive).')
def invalid_effect(view: PolicyView) -> Iterator[Issue]:
    """Effect is exactly ``Allow`` or ``Deny``."""
    for st in view.statements:
        effect = st.get("Effect")
        if isinstance(effect, str) and effect not in ("Allow", "Deny"):
            yield Issue((*st.path, "Effect"), f"Effect {effect!r} is neither Allow nor Deny")


@validation_check("MISSING_ACTION", E, fix="Add an Action or NotAction element.")
def missing_action(view: PolicyView) -> Iterator[Issue]:
    """Every statement names its actions with Action or NotAction."""
    for st in view.statements:
        if not st.has("Action") and not st.has("NotAction"):
            yield Issue(st.path, "the statement has neither Action nor NotAction")


@validation_check(
    "MISSING_RESOURCE",
    E,
    fix="Add a Resource or NotResource element.",
    types=(T.IDENTITY, T.RESOURCE, T.SCP, T.RCP),
)
def missing_resource(view: PolicyView) -> Iterator[Issue]:
    """Outside role trust policies, every statement names its resources."""
    for st in view.statements:
        if not st.has("Resource") and not st.has("NotResource"):
            yield Issue(st.path, "the statement has neither Resource nor NotResource")


@validation_check("UNSUPPORTED_ELEMENT_COMBINATION", E, fix="Keep only one element of the pair.")
def unsupported_element_combination(view: PolicyView) -> Iterator[Issue]:
    """Action/NotAction, Resource/NotResource and Principal/NotPrincipal exclude each other."""
    for st in view.statements:
        for a, b in (("Action", "NotAction"), ("Resource", "NotResource"),
                     ("Principal", "NotPrincipal")):  # fmt: skip
            if st.has(a) and st.has(b):
                yield Issue((*st.path, b), f"{a} and {b} cannot be used in the same statement")


@validation_check(
    "UNSUPPORTED_SID",
    E,
    fix="Use only letters and digits (A-Z, a-z, 0-9) in the Sid.",
    types=(T.IDENTITY, T.TRUST, T.SCP, T.RCP),
)
def unsupported_sid(view: PolicyView) -> Iterator[Issue]:
    """IAM and Organizations accept only ASCII letters and digits in a Sid."""
    for st in view.statements:
        sid = st.get("Sid")
        if isinstance(sid, str) and not _SID_RE.match(sid):
            yield Issue(
                (*st.path, "Sid"), f"Sid {sid!r} has characters other than letters and digits"
            )


@validation_check("EMPTY_SID_VALUE", S, fix="Give the Sid a value or remove it.")
def empty_sid_value(view: PolicyView) -> Iterator[Issue]:
    """An empty Sid identifies nothing."""
    for st in view.statements:
        if st.get("Sid") == "":
            yield Issue((*st.path, "Sid"), "the Sid is an empty string")


def _duplicate_sids(view: PolicyView) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for n, st in enumerate(view.statements):
        sid = st.get("Sid")
        if isinstance(sid, str) and sid:
            if sid in seen:
                yield Issue((*st.path, "Sid"), f"Sid {sid!r} is also used by statement {seen[sid]}")
            else:
                seen[sid] = n


@validation_check(
    "UNIQUE_SIDS_REQUIRED",
    E,
    fix="Give each statement its own Sid.",
    types=(T.IDENTITY, T.TRUST, T.SCP, T.RCP),
)
def unique_sids_required(view: PolicyView) -> Iterator[Issue]:
    """IAM and Organizations reject a policy whose Sids repeat."""
    yield from _duplicate_sids(view)


@validation_check(
    "UNIQUE_SIDS_RECOMMENDED", W, fix="Give each statement its own Sid.", types=(T.RESOURCE,)
)
def unique_sids_recommended(view: PolicyView) -> Iterator[Issue]:
    """Resource policies may repeat Sids, but unique ones make statements traceable."""
    yield from _duplicate_sids(view)


def _compact_size(view: PolicyView) -> int:
    return len(json.dumps(view.root, separators=(",", ":"), ensure_ascii=False))


def _size_issue(size: int, quota: int, label: str) -> Iterator[Issue]:
    if size > quota:
        yield Issue((), f"the {label} has {size} characters, over the {quota}-character quota")


@validation_check(
    "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
    E,
    fix="Split the SCP or shorten it (merge statements, use wildcards).",
    types=(T.SCP,),
)
def policy_size_exceeds_scp_quota(view: PolicyView) -> Iterator[Issue]:
    """Organizations caps an SCP at 5,120 characters, whitespace included."""
    size = len(view.text) if view.text is not None else _compact_size(view)
    yield from _size_issue(size, SCP_QUOTA, "service control policy")


@validation_check(
    "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
    E,
    fix="Split the RCP or shorten it.",
    types=(T.RCP,),
    aws=False,
)
def policy_size_exceeds_rcp_quota(view: PolicyView) -> Iterator[Issue]:
    """Organizations caps a resource control policy at 5,120 characters, as for SCPs."""
    size = len(view.text) if view.text is not None else _compact_size(view)
    yield from _size_issue(size, RCP_QUOTA, "resource control policy")


@validation_check(
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
    W,
    fix="Split the permissions over several managed policies.",
    types=(T.IDENTITY,),
)
def policy_size_exceeds_identity_policy_quota(view: PolicyView) -> Iterator[Issue]:
    """IAM caps a managed policy at 6,144 characters, not counting whitespace."""
    yield from _size_issue(_compact_size(view), IDENTITY_QUOTA, "identity policy")


@validation_check(
    "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
    W,
    fix="Shorten the trust policy or ask for a higher role trust policy length quota.",
    types=(T.TRUST,),
)
def policy_size_exceeds_role_trust_policy_quota(view: PolicyView) -> Iterator[Issue]:
    """A role trust policy is capped at 2,048 characters by default (whitespace not counted)."""
    yield from _size_issue(_compact_size(view), TRUST_QUOTA, "role trust policy")


@validation_check(
    "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
    W,
    fix="Shorten the resource policy (merge statements, use conditions on organisation ids).",
    types=(T.RESOURCE,),
)
def policy_size_exceeds_resource_policy_quota(view: PolicyView) -> Iterator[Issue]:
    """Each service caps its resource policies (S3 20 KB, KMS 32 KB, SQS 8 KB, ...)."""
    service = view.resource.service if view.resource else ""
    quota = RESOURCE_QUOTAS.get(service, DEFAULT_RESOURCE_QUOTA)
    yield from _size_issue(_compact_size(view), quota, "resource policy")
