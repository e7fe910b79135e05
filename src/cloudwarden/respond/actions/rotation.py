"""Rotating an access key without downtime.

The routine (AWS's "rotate access keys" procedure) runs as four playbook steps:

1. ``iam.create_access_key_to_secret``: create a second key and hand it to its
   consumers through Secrets Manager (they read the secret, never a file);
2. ``iam.access_key_last_used`` on the old key, repeated until it has not been
   used since the handover (``since``): every consumer has moved to the new key;
3. ``iam.deactivate_access_key`` on the old key (reversible, in case one was missed);
4. after a quiet period, ``iam.delete_access_key`` on the old key;

:func:`rotation_steps` lists them for a playbook. A user holds at most two keys,
so the create step refuses a user that already has two.

The new key's secret never enters a plan or a result (both are journaled): the
planned ``PutSecretValue``/``CreateSecret`` call carries :data:`REDACTED`, and the
real value is passed only to the client at apply time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions._iam_common import (
    describe_principal,
    iam_target,
    principal_of,
    user_access_keys,
)
from cloudwarden.respond.actions.base import (
    REDACTED,
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    execute,
    exemption,
    jsonable,
    mutate,
    read,
    read_or_none,
)

MAX_KEYS_PER_USER = 2


def _secret_region(aws: AwsContext, params: Mapping[str, Any]) -> str:
    secret_id = str(params["secret_id"])
    parts = secret_id.split(":")
    if secret_id.startswith("arn:") and len(parts) > 3 and parts[3]:
        return parts[3]
    return str(params.get("region") or aws.default_region)


def _current_version(described: Mapping[str, Any] | None) -> str | None:
    if not described:
        return None
    for version, stages in described.get("VersionIdsToStages", {}).items():
        if "AWSCURRENT" in stages:
            return str(version)
    return None


def _stored_key_id(aws: AwsContext, region: str, secret_id: str) -> str | None:
    """The ``AccessKeyId`` the secret holds now (the secret key is read, never kept)."""
    found = read_or_none(aws, "secretsmanager", "GetSecretValue", region, SecretId=secret_id)
    if not found or "SecretString" not in found:
        return None
    try:
        value = json.loads(found["SecretString"])
    except ValueError:
        return None
    key_id = value.get("AccessKeyId") if isinstance(value, dict) else None
    return str(key_id) if key_id else None


@action
class CreateAccessKeyToSecretAction(Action):
    """Create a new access key for a user and store it in a Secrets Manager secret.

    The secret's value is JSON: ``{"UserName", "AccessKeyId", "SecretAccessKey"}``. An
    existing secret gets a new version (``PutSecretValue``, the old one stays as
    ``AWSPREVIOUS``); a missing one is created. The plan is a no-op when the secret
    already holds an active key of the user other than ``replaces`` (the key being
    rotated out). Rollback deletes the new key and moves ``AWSCURRENT`` back to the
    previous version (or schedules a created secret for deletion).
    """

    name = "iam.create_access_key_to_secret"
    description = "Create an access key and hand it over through Secrets Manager (reversible)"
    phase = Phase.RECOVERY
    reversible = True
    permissions = (
        "iam:GetUser",
        "iam:ListAccessKeys",
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:CreateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:DeleteSecret",
    )
    params = (
        ParamSpec("user_name", str, required=True, help="IAM user name"),
        ParamSpec("secret_id", str, required=True, help="secret name or ARN"),
        ParamSpec("replaces", str, help="access key id being rotated out"),
        ParamSpec("region", str, help="the secret's region (default: the context's)"),
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        user = describe_principal(aws, principal_of(p, ("user",)))
        state = self._state(aws, p)
        calls: list[ApiCall] = []
        if not self._done(state, p):
            if len(state["keys"]) >= MAX_KEYS_PER_USER:
                raise ActionError(
                    f"{self.name}: {p['user_name']} already has {MAX_KEYS_PER_USER} access keys; "
                    "delete one first"
                )
            calls = self._calls(aws, p, state)
        return self.make_plan(
            iam_target(aws, user.arn),
            p,
            calls,
            state,
            f"create an access key for {p['user_name']} and store it in secret {p['secret_id']}",
            exempt=exemption(user.tags, user.arn),
        )

    def _state(self, aws: AwsContext, params: Mapping[str, Any]) -> dict[str, Any]:
        region = _secret_region(aws, params)
        secret_id = str(params["secret_id"])
        keys = user_access_keys(aws, str(params["user_name"]))
        described = read_or_none(
            aws, "secretsmanager", "DescribeSecret", region, SecretId=secret_id
        )
        exists = described is not None and not described.get("DeletedDate")
        return {
            "keys": {str(k["AccessKeyId"]): str(k.get("Status")) for k in keys},
            "secret_exists": exists,
            "secret_version": _current_version(described) if exists else None,
            "stored_key_id": _stored_key_id(aws, region, secret_id) if exists else None,
        }

    def _done(self, state: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
        stored = state["stored_key_id"]
        return (
            stored is not None
            and state["keys"].get(stored) == "Active"
            and stored != params.get("replaces")
        )

    def _calls(
        self, aws: AwsContext, params: Mapping[str, Any], state: Mapping[str, Any]
    ) -> list[ApiCall]:
        region = _secret_region(aws, params)
        create = mutate("iam", "CreateAccessKey", aws.default_region, UserName=params["user_name"])
        if state["secret_exists"]:
            store = mutate(
                "secretsmanager",
                "PutSecretValue",
                region,
                SecretId=params["secret_id"],
                SecretString=REDACTED,
            )
        else:
            store = mutate(
                "secretsmanager",
                "CreateSecret",
                region,
                Name=params["secret_id"],
                SecretString=REDACTED,
                Description=f"access key of IAM user {params['user_name']} (cloudwarden)",
            )
        return [create, store]

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        self._check_plan(plan)
        if plan.noop or not plan.calls:
            return ActionResult(plan.action, plan.target, (), plan.before, plan.before, None)
        create, store = plan.calls
        new_key = execute(aws, create)["AccessKey"]
        secret = json.dumps(
            {
                "UserName": new_key["UserName"],
                "AccessKeyId": new_key["AccessKeyId"],
                "SecretAccessKey": new_key["SecretAccessKey"],
            }
        )
        try:
            stored = execute(aws, store, SecretString=secret)
        except ActionError:
            # a key nobody can read is worse than none: take it back before reporting
            execute(aws, _delete_key(aws, plan.params, str(new_key["AccessKeyId"])))
            raise
        del secret, new_key["SecretAccessKey"]
        after = jsonable(self._state(aws, plan.params))
        undo = {
            "params": dict(plan.params),
            "before": jsonable(plan.before),
            "new_access_key_id": new_key["AccessKeyId"],
            "new_version": stored.get("VersionId"),
        }
        outputs = {"access_key_id": new_key["AccessKeyId"], "handed_over_at": _now_iso()}
        return ActionResult(plan.action, plan.target, plan.calls, plan.before, after, undo, outputs)

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        params, before = result.undo["params"], result.undo["before"]
        replaced = params.get("replaces")
        if replaced and not any(
            k.get("AccessKeyId") == replaced
            for k in user_access_keys(aws, str(params["user_name"]))
        ):
            # the rotation finished (the old key is deleted, which AWS cannot undo): taking
            # the new key back now would leave the user with no key at all
            raise ActionError(
                f"{self.name}: the key it replaced ({replaced}) is deleted; removing the new "
                "key would leave the user without one"
            )
        region = _secret_region(aws, params)
        calls = [_delete_key(aws, params, _new_key_id(result))]
        previous = before.get("secret_version")
        new_version = result.undo.get("new_version") or result.after.get("secret_version")
        if before.get("secret_exists") and previous and new_version and new_version != previous:
            calls.append(
                mutate(
                    "secretsmanager",
                    "UpdateSecretVersionStage",
                    region,
                    SecretId=params["secret_id"],
                    VersionStage="AWSCURRENT",
                    MoveToVersionId=previous,
                    RemoveFromVersionId=new_version,
                )
            )
        elif not before.get("secret_exists"):
            calls.append(
                mutate(
                    "secretsmanager",
                    "DeleteSecret",
                    region,
                    SecretId=params["secret_id"],
                    RecoveryWindowInDays=7,
                )
            )
        return tuple(calls)

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._state(aws, params)


def _new_key_id(result: ActionResult) -> str:
    """The key apply created: recorded in ``undo``, else the one key not there before
    (a runner that lost the apply's answer rebuilds the result from the state)."""
    assert result.undo is not None
    if result.undo.get("new_access_key_id"):
        return str(result.undo["new_access_key_id"])
    before = set(result.undo["before"].get("keys", {}))
    created = sorted(set(result.after.get("keys", {})) - before)
    if len(created) != 1:
        raise ActionError("the new access key is not known; delete it by hand")
    return str(created[0])


def _delete_key(aws: AwsContext, params: Mapping[str, Any], key_id: str) -> ApiCall:
    return mutate(
        "iam",
        "DeleteAccessKey",
        aws.default_region,
        UserName=params["user_name"],
        AccessKeyId=key_id,
    )


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@action
class AccessKeyLastUsedAction(Action):
    """When an access key was last used: the check step of a rotation's wait.

    Read-only. With ``since`` (ISO 8601), ``outputs["used_since"]`` says whether the
    key was used at or after that time; IAM updates ``LastUsedDate`` within hours,
    not seconds, so a rotation waits well past the handover before trusting a "no".
    """

    name = "iam.access_key_last_used"
    description = "Read when an access key was last used (read-only check)"
    phase = Phase.CHECK
    reversible = False
    read_only = True
    permissions = ("iam:GetAccessKeyLastUsed",)
    params = (
        ParamSpec("access_key_id", str, required=True, help="access key id"),
        ParamSpec("since", str, help="ISO 8601 time to compare the last use with"),
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        state = self._state(aws, p)
        target = Target(aws.account_id, aws.default_region, str(p["access_key_id"]))
        last = state["last_used"] or "never"
        return self.make_plan(target, p, (), state, f"{p['access_key_id']} last used: {last}")

    def _state(self, aws: AwsContext, params: Mapping[str, Any]) -> dict[str, Any]:
        found = read(
            aws,
            "iam",
            "GetAccessKeyLastUsed",
            aws.default_region,
            AccessKeyId=params["access_key_id"],
        )
        used = found.get("AccessKeyLastUsed", {})
        last = used.get("LastUsedDate")
        state: dict[str, Any] = {
            "user_name": found.get("UserName"),
            "last_used": last.isoformat() if isinstance(last, dt.datetime) else last,
            "service": used.get("ServiceName"),
            "region": used.get("Region"),
        }
        if params.get("since"):
            state["used_since"] = _used_since(state["last_used"], str(params["since"]))
        return state

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        self._check_plan(plan)
        state = self._state(aws, plan.params)
        return ActionResult(plan.action, plan.target, (), plan.before, state, None, state)

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._state(aws, params)


def _used_since(last_used: str | None, since: str) -> bool:
    if not last_used:
        return False
    return _aware(last_used) >= _aware(since)


def _aware(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ActionError(f"{value!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def rotation_steps(
    user_name: str, old_access_key_id: str, secret_id: str
) -> Sequence[tuple[str, dict[str, Any]]]:
    """The rotation routine as (action name, params) steps, in order.

    The wait (step 2) is a check a runner repeats until ``outputs["used_since"]`` is
    false, ``since`` being the create step's ``outputs["handed_over_at"]``.
    """
    user = {"user_name": user_name, "access_key_id": old_access_key_id}
    return (
        (
            "iam.create_access_key_to_secret",
            {"user_name": user_name, "secret_id": secret_id, "replaces": old_access_key_id},
        ),
        ("iam.access_key_last_used", {"access_key_id": old_access_key_id}),
        ("iam.deactivate_access_key", dict(user)),
        ("iam.delete_access_key", dict(user)),
    )
