"""IAM policy validation in the manner of IAM Access Analyzer's ``ValidatePolicy``.

``validate_policy(document, policy_type, resource_type)`` returns findings in the four
Access Analyzer categories, each with a stable code (Access Analyzer's issue code where
one exists), a message, the JSON path, a fix and a link. Checks are small registered
functions; ``all_checks()`` lists them. See ``docs/iam-validate.md``.
"""

from __future__ import annotations

from cloudwarden.iam.validate.engine import (
    ValidationInputError,
    all_checks,
    resolve_resource_type,
    validate_policy,
)
from cloudwarden.iam.validate.model import (
    Category,
    PolicyType,
    ValidationCheck,
    ValidationFinding,
)

__all__ = [
    "Category",
    "PolicyType",
    "ValidationCheck",
    "ValidationFinding",
    "ValidationInputError",
    "all_checks",
    "resolve_resource_type",
    "validate_policy",
]
