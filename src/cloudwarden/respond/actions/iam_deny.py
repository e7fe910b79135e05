"""Inline deny policies: revoke a principal's older sessions, quarantine a role.

Temporary credentials cannot be revoked; IAM evaluates permissions on every
request, so an explicit deny attached to the principal cuts them off. AWS's own
"Revoke active sessions" button puts an inline policy (``AWSRevokeOlderSessions``)
denying everything when ``aws:TokenIssueTime`` is before the revocation time:
sessions issued afterwards are unaffected. It cannot be applied to service-linked
roles, which refuse inline policies.

Rollback deletes the inline policy, or puts back the document a policy of the same
name had before (so a re-run or an earlier revocation is not lost).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._iam_common import (
    Principal,
    describe_principal,
    iam_target,
    policy_document,
    principal_of,
)
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    exemption,
    mutate,
    read_or_none,
)

REVOKE_POLICY_NAME = "cloudwarden-revoke-older-sessions"
QUARANTINE_POLICY_NAME = "cloudwarden-quarantine"
POLICY_VERSION = "2012-10-17"


def revoke_document(issued_before: str) -> dict[str, Any]:
    """Deny every action to sessions whose token was issued before ``issued_before``."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "CloudwardenRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
            }
        ],
    }


def quarantine_document() -> dict[str, Any]:
    """Deny every action, whatever the session."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Sid": "CloudwardenQuarantine", "Effect": "Deny", "Action": "*", "Resource": "*"}
        ],
    }


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ActionError(f"issued_before {value!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _InlineDenyAction(Action):
    """Put one named inline policy on a principal; rollback removes or restores it."""

    policy_name = ""
    kinds: tuple[str, ...] = ()
    phase = Phase.CONTAINMENT
    reversible = True

    def document(self, params: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def satisfied(self, existing: Mapping[str, Any] | None, params: Mapping[str, Any]) -> bool:
        return existing == self.document(params)

    def resolve(self, params: dict[str, Any]) -> dict[str, Any]:
        """Fill in parameter defaults at plan time, so apply repeats exactly the plan."""
        return params

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.resolve(self.checked_params(params))
        principal = principal_of(p, self.kinds)
        info = describe_principal(aws, principal)
        if info.service_linked:
            raise ActionError(
                f"{self.name}: {info.arn} is a service-linked role, which takes no inline policy"
            )
        state = self._state(aws, principal)
        calls = []
        if not self.satisfied(state["document"], p):
            document = json.dumps(self.document(p), separators=(",", ":"))
            calls.append(self._put(aws, principal, document))
        return self.make_plan(
            iam_target(aws, info.arn),
            p,
            calls,
            state,
            self.summary(principal, p),
            exempt=exemption(info.tags, info.arn),
        )

    def summary(self, principal: Principal, params: Mapping[str, Any]) -> str:
        return f"put inline policy {self.policy_name} on {principal.kind} {principal.name}"

    def _state(self, aws: AwsContext, principal: Principal) -> dict[str, Any]:
        found = read_or_none(
            aws,
            "iam",
            f"Get{principal.title}Policy",
            aws.default_region,
            **principal.ref(),
            PolicyName=self.policy_name,
        )
        document = policy_document(found["PolicyDocument"]) if found else None
        return {"policy_name": self.policy_name, "document": document}

    def _put(self, aws: AwsContext, principal: Principal, document: str) -> ApiCall:
        return mutate(
            "iam",
            f"Put{principal.title}Policy",
            aws.default_region,
            **principal.ref(),
            PolicyName=self.policy_name,
            PolicyDocument=document,
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._state(aws, principal_of(params, self.kinds))

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        principal = principal_of(result.undo["params"], self.kinds)
        previous = result.undo["before"].get("document")
        if previous is not None:
            return (self._put(aws, principal, json.dumps(previous, separators=(",", ":"))),)
        return (
            mutate(
                "iam",
                f"Delete{principal.title}Policy",
                aws.default_region,
                **principal.ref(),
                PolicyName=self.policy_name,
            ),
        )


@action
class RevokeSessionsAction(_InlineDenyAction):
    """Deny everything to sessions issued before a time (default: when planned).

    Covers role sessions and the temporary credentials a user minted with
    ``GetSessionToken``/``GetFederationToken``. The plan is a no-op when the principal
    already carries a revocation at or after ``issued_before``; planning again later
    without ``issued_before`` moves the cut-off forward, which is a new revocation.
    """

    name = "iam.revoke_sessions"
    description = "Revoke a role's or user's sessions issued before a time (reversible)"
    policy_name = REVOKE_POLICY_NAME
    kinds = ("role", "user")
    permissions = (
        "iam:GetRole",
        "iam:GetUser",
        "iam:GetRolePolicy",
        "iam:GetUserPolicy",
        "iam:PutRolePolicy",
        "iam:PutUserPolicy",
        "iam:DeleteRolePolicy",
        "iam:DeleteUserPolicy",
    )
    params = (
        ParamSpec("role_name", str, help="IAM role name"),
        ParamSpec("user_name", str, help="IAM user name"),
        ParamSpec("issued_before", str, help="ISO 8601 time; default: now"),
    )
    one_of = (("role_name", "user_name"),)

    def __init__(self, clock: Any = None) -> None:
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def resolve(self, params: dict[str, Any]) -> dict[str, Any]:
        given = params.get("issued_before")
        cutoff = _parse_time(given) if given else self._clock()
        return {**params, "issued_before": _iso(cutoff)}

    def document(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return revoke_document(str(params["issued_before"]))

    def satisfied(self, existing: Mapping[str, Any] | None, params: Mapping[str, Any]) -> bool:
        if existing is None:
            return False
        wanted = _parse_time(str(params["issued_before"]))
        for statement in _statements(existing):
            cond = statement.get("Condition", {}).get("DateLessThan", {})
            current = cond.get("aws:TokenIssueTime") if isinstance(cond, Mapping) else None
            if (
                statement.get("Effect") == "Deny"
                and statement.get("Action") in ("*", ["*"])
                and statement.get("Resource") in ("*", ["*"])
                and isinstance(current, str)
                and _parse_time(current) >= wanted
            ):
                return True
        return False

    def summary(self, principal: Principal, params: Mapping[str, Any]) -> str:
        return (
            f"deny all to sessions of {principal.kind} {principal.name} issued before "
            f"{params['issued_before']} (inline policy {self.policy_name})"
        )


@action
class QuarantineRoleAction(_InlineDenyAction):
    """Deny everything to a role, current and future sessions alike.

    An inline policy rather than the AWS managed ``AWSDenyAll``: it needs no managed
    policy to exist, and it stays with the role (a role holds at most 20 managed
    policies, and an attacker with ``iam:DetachRolePolicy`` would look there first).
    """

    name = "iam.quarantine_role"
    description = "Attach a deny-all inline policy to a role (reversible)"
    policy_name = QUARANTINE_POLICY_NAME
    kinds = ("role",)
    permissions = ("iam:GetRole", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")
    params = (ParamSpec("role_name", str, required=True, help="IAM role name"),)

    def document(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return quarantine_document()

    def summary(self, principal: Principal, params: Mapping[str, Any]) -> str:
        return f"quarantine role {principal.name}: deny all (inline policy {self.policy_name})"


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    body = document.get("Statement", [])
    items = body if isinstance(body, list) else [body]
    return [s for s in items if isinstance(s, Mapping)]
