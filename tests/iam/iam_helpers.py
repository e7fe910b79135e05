"""Shared builders for the IAM engine tests (imported by the test modules beside it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cloudwarden.iam import Policy, PolicySet, Request, evaluate, parse_policy

ACCT = "111122223333"
OTHER = "444455556666"
FIXED_NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)

USER = f"arn:aws:iam::{ACCT}:user/alice"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/s1"
FED_USER = f"arn:aws:sts::{ACCT}:federated-user/bob"
ROOT = f"arn:aws:iam::{ACCT}:root"
OTHER_USER = f"arn:aws:iam::{OTHER}:user/carol"
OTHER_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/ext/s9"
SLR_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/AWSServiceRoleForSupport/x"


def clock() -> datetime:
    return FIXED_NOW


def doc(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policy(*statements: Mapping[str, Any]) -> Policy:
    return parse_policy(doc(*statements))


def request(
    principal: str = USER,
    action: str = "s3:GetObject",
    resource: str = "arn:aws:s3:::bucket/key",
    context: Mapping[str, str | Sequence[str]] | None = None,
) -> Request:
    return Request(principal, action, resource, dict(context or {}), clock=clock)


def decide(req: Request, **policies: Any) -> str:
    """Decision on both paths; fails the test if the fast and explained paths disagree."""
    policy_set = PolicySet(**policies)
    explained = evaluate(req, policy_set, explain=True)
    fast = evaluate(req, policy_set, explain=False)
    assert fast.decision == explained.decision, (fast, explained)
    return explained.decision
