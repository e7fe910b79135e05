"""Exact custom policy checks backed by an SMT encoding of IAM policies (z3).

``check_no_new_access``, ``check_access_not_granted`` and ``check_no_public_access``
answer PASS, FAIL with a witness request that the engine confirms, or UNKNOWN with the
reason. See docs/iam-custom-checks.md for the encoding and its limits.
"""

from cloudwarden.iam.smt.checks import (
    PINNING_KEYS,
    CheckInputError,
    CheckResult,
    WitnessRejectedError,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
    engine_allows,
)

__all__ = [
    "PINNING_KEYS",
    "CheckInputError",
    "CheckResult",
    "WitnessRejectedError",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
    "engine_allows",
]
