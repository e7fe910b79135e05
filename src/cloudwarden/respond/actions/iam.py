"""IAM credential actions: access keys, console password, attached policies.

AWS's credential-compromise playbook deactivates a leaked key first (reversible,
keeps the key id for the investigation) and deletes it only after eradication;
:class:`DeactivateAccessKeyAction` and :class:`DeleteAccessKeyAction` are those
two steps. Inline deny policies (session revocation, role quarantine) live in
:mod:`cloudwarden.respond.actions.iam_deny`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext, paginate
from cloudwarden.respond.actions._iam_common import (
    access_key,
    describe_principal,
    iam_target,
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

_USER = ParamSpec("user_name", str, required=True, help="IAM user name")
_KEY = ParamSpec("access_key_id", str, required=True, help="access key id (AKIA...)")


def _key_state(aws: AwsContext, params: Mapping[str, Any]) -> dict[str, Any]:
    key = access_key(aws, str(params["user_name"]), str(params["access_key_id"]))
    if key is None:
        return {"exists": False, "status": None}
    return {"exists": True, "status": key.get("Status"), "create_date": key.get("CreateDate")}


@action
class DeactivateAccessKeyAction(Action):
    """Set an access key Inactive: requests signed with it fail until it is reactivated.

    Already-issued temporary credentials minted from the key (``GetSessionToken``)
    keep working; pair with ``iam.revoke_sessions`` on the user to cut those.
    """

    name = "iam.deactivate_access_key"
    description = "Deactivate an IAM user's access key (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = ("iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey")
    params = (_USER, _KEY)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        user = describe_principal(aws, principal_of(p, ("user",)))
        state = _key_state(aws, p)
        if not state["exists"]:
            message = f"{self.name}: {p['user_name']} has no key {p['access_key_id']}"
            raise ActionError.not_found(message)
        calls = []
        if state["status"] != "Inactive":
            calls.append(_update_key(aws, p, "Inactive"))
        return self.make_plan(
            iam_target(aws, user.arn),
            p,
            calls,
            state,
            f"deactivate access key {p['access_key_id']} of {p['user_name']}",
            exempt=exemption(user.tags, user.arn),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _key_state(aws, params)

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        status = result.undo["before"].get("status") or "Active"
        return (_update_key(aws, result.undo["params"], str(status)),)


def _update_key(aws: AwsContext, params: Mapping[str, Any], status: str) -> ApiCall:
    return mutate(
        "iam",
        "UpdateAccessKey",
        aws.default_region,
        UserName=params["user_name"],
        AccessKeyId=params["access_key_id"],
        Status=status,
    )


@action
class DeleteAccessKeyAction(Action):
    """Delete an access key: one-way, AWS cannot bring a deleted key back.

    Run it after the investigation (the key id is evidence) and after the key is
    inactive and unused; the rotation playbook deletes the old key as its last step.
    """

    name = "iam.delete_access_key"
    description = "Delete an IAM user's access key (irreversible)"
    phase = Phase.ERADICATION
    reversible = False
    permissions = ("iam:GetUser", "iam:ListAccessKeys", "iam:DeleteAccessKey")
    params = (_USER, _KEY)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        user = describe_principal(aws, principal_of(p, ("user",)))
        state = _key_state(aws, p)
        calls = []
        if state["exists"]:
            calls.append(
                mutate(
                    "iam",
                    "DeleteAccessKey",
                    aws.default_region,
                    UserName=p["user_name"],
                    AccessKeyId=p["access_key_id"],
                )
            )
        return self.make_plan(
            iam_target(aws, user.arn),
            p,
            calls,
            state,
            f"delete access key {p['access_key_id']} of {p['user_name']} (irreversible)",
            exempt=exemption(user.tags, user.arn),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _key_state(aws, params)

    def irreversible_reason(self) -> str:
        return "a deleted access key cannot be restored; create a new one instead"


@action
class DeleteLoginProfileAction(Action):
    """Remove a user's console password: one-way, the password itself is gone.

    ``CreateLoginProfile`` can give the user a new password later, but not the old
    one, so the journal records the action as irreversible.
    """

    name = "iam.delete_login_profile"
    description = "Delete an IAM user's console password (irreversible)"
    phase = Phase.CONTAINMENT
    reversible = False
    permissions = ("iam:GetUser", "iam:GetLoginProfile", "iam:DeleteLoginProfile")
    params = (_USER,)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        user = describe_principal(aws, principal_of(p, ("user",)))
        state = self._state(aws, p)
        calls = []
        if state["login_profile"]:
            calls.append(
                mutate("iam", "DeleteLoginProfile", aws.default_region, UserName=p["user_name"])
            )
        return self.make_plan(
            iam_target(aws, user.arn),
            p,
            calls,
            state,
            f"delete the console password of {p['user_name']} (irreversible)",
            exempt=exemption(user.tags, user.arn),
        )

    def _state(self, aws: AwsContext, params: Mapping[str, Any]) -> dict[str, Any]:
        profile = read_or_none(
            aws, "iam", "GetLoginProfile", aws.default_region, UserName=params["user_name"]
        )
        if profile is None:
            return {"login_profile": None}
        lp = profile["LoginProfile"]
        return {
            "login_profile": {
                "CreateDate": lp.get("CreateDate"),
                "PasswordResetRequired": lp.get("PasswordResetRequired", False),
            }
        }

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._state(aws, params)

    def irreversible_reason(self) -> str:
        return "the old password is gone; CreateLoginProfile can only set a new one"


@action
class DetachPolicyAction(Action):
    """Detach a managed policy from a user, role or group; rollback attaches it again."""

    name = "iam.detach_policy"
    description = "Detach a managed policy from an IAM user, role or group (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "iam:GetUser",
        "iam:GetRole",
        "iam:GetGroup",
        "iam:ListAttachedUserPolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListAttachedGroupPolicies",
        "iam:DetachUserPolicy",
        "iam:DetachRolePolicy",
        "iam:DetachGroupPolicy",
        "iam:AttachUserPolicy",
        "iam:AttachRolePolicy",
        "iam:AttachGroupPolicy",
    )
    params = (
        ParamSpec("user_name", str, help="IAM user name"),
        ParamSpec("role_name", str, help="IAM role name"),
        ParamSpec("group_name", str, help="IAM group name"),
        ParamSpec("policy_arn", str, required=True, help="ARN of the managed policy"),
    )
    one_of = (("user_name", "role_name", "group_name"),)
    _KINDS = ("user", "role", "group")

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        principal = principal_of(p, self._KINDS)
        info = describe_principal(aws, principal)
        state = self.observe(aws, Target("", "", info.arn), p)
        calls = []
        if state["attached"]:
            calls.append(self._call(aws, p, "Detach"))
        return self.make_plan(
            iam_target(aws, info.arn),
            p,
            calls,
            state,
            f"detach {p['policy_arn']} from {principal.kind} {principal.name}",
            exempt=exemption(info.tags, info.arn),
        )

    def _call(self, aws: AwsContext, params: Mapping[str, Any], verb: str) -> ApiCall:
        principal = principal_of(params, self._KINDS)
        return mutate(
            "iam",
            f"{verb}{principal.title}Policy",
            aws.default_region,
            **principal.ref(),
            PolicyArn=params["policy_arn"],
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        principal = principal_of(params, self._KINDS)
        client = aws.client("iam", aws.default_region)
        operation = f"list_attached_{principal.kind}_policies"
        try:
            attached = paginate(client, operation, "AttachedPolicies", **principal.ref())
        except Exception as exc:  # botocore raises non-BotoCoreError types too
            raise ActionError.from_exception(exc, f"iam:{operation}") from None
        arns = [str(a.get("PolicyArn")) for a in attached]
        return {"attached": params["policy_arn"] in arns}

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        return (self._call(aws, result.undo["params"], "Attach"),)
