"""Key rotation without downtime on the lab: the new key reaches its consumers through
Secrets Manager, and its secret never reaches a plan, a result or the journal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.respond.actions import REDACTED, ActionError, ActionResult, get_action
from cloudwarden.respond.actions.rotation import _used_since, rotation_steps


def make_user(env: Any) -> tuple[str, str]:
    iam = env.client("iam")
    name = env.name("svc")
    iam.create_user(UserName=name)
    return name, iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]


def keys(env: Any, user: str) -> dict[str, str]:
    found = env.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in found}


def stored(env: Any, secret_id: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        env.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    )
    return value


def current_version(env: Any, secret_id: str) -> str:
    stages = env.client("secretsmanager").describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    return str(next(v for v, s in stages.items() if "AWSCURRENT" in s))


def test_create_key_into_new_secret_cycle(env: Any) -> None:
    user, old = make_user(env)
    secret_id = env.name("secret")
    act = get_action("iam.create_access_key_to_secret")
    params = {"user_name": user, "secret_id": secret_id, "replaces": old}

    plan = act.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["CreateAccessKey", "CreateSecret"]
    assert plan.calls[1].params["SecretString"] == REDACTED
    assert plan.before["secret_exists"] is False

    result = act.apply(env.aws, plan)
    new = result.outputs["access_key_id"]
    assert set(keys(env, user)) == {old, new}
    value = stored(env, secret_id)
    assert value["AccessKeyId"] == new and value["UserName"] == user
    journal = json.dumps([plan.as_dict(), result.as_dict()])
    assert value["SecretAccessKey"] not in journal
    assert [c.params.get("SecretString") for c in result.calls] == [None, REDACTED]

    again = act.plan(env.aws, params)
    assert again.noop and again.calls == ()

    rolled = act.rollback(env.aws, result)
    assert [c.operation for c in rolled.calls] == ["DeleteAccessKey", "DeleteSecret"]
    assert set(keys(env, user)) == {old}
    described = env.client("secretsmanager").describe_secret(SecretId=secret_id)
    assert described.get("DeletedDate") is not None  # scheduled, recoverable for 7 days


def test_create_key_into_existing_secret_rolls_back_to_previous_version(env: Any) -> None:
    user, old = make_user(env)
    secret_id = env.name("secret")
    sm = env.client("secretsmanager")
    sm.create_secret(Name=secret_id, SecretString=json.dumps({"AccessKeyId": old}))
    original = current_version(env, secret_id)
    act = get_action("iam.create_access_key_to_secret")

    plan = act.plan(env.aws, {"user_name": user, "secret_id": secret_id, "replaces": old})
    assert [c.operation for c in plan.calls] == ["CreateAccessKey", "PutSecretValue"]
    assert plan.before["stored_key_id"] == old  # the old key is stored: not done yet
    result = act.apply(env.aws, plan)
    assert stored(env, secret_id)["AccessKeyId"] == result.outputs["access_key_id"]
    assert current_version(env, secret_id) != original

    rolled = act.rollback(env.aws, result)
    assert [c.operation for c in rolled.calls] == ["DeleteAccessKey", "UpdateSecretVersionStage"]
    # judged by the version stages: moto's GetSecretValue keeps answering with the newest
    # value after AWSCURRENT moves back (AWS answers with the AWSCURRENT version)
    assert current_version(env, secret_id) == original
    assert set(keys(env, user)) == {old}


def test_create_key_refuses_a_user_with_two_keys(env: Any) -> None:
    user, _old = make_user(env)
    env.client("iam").create_access_key(UserName=user)
    with pytest.raises(ActionError, match="already has 2 access keys"):
        get_action("iam.create_access_key_to_secret").plan(
            env.aws, {"user_name": user, "secret_id": env.name("secret")}
        )


def test_access_key_last_used_is_a_read_only_check(env: Any) -> None:
    user, old = make_user(env)
    act = get_action("iam.access_key_last_used")
    env.recorder.clear()
    plan = act.plan(env.aws, {"access_key_id": old, "since": "2026-01-01T00:00:00Z"})
    assert plan.noop and plan.calls == ()
    assert plan.before["user_name"] == user and plan.before["last_used"] is None
    result = act.apply(env.aws, plan)
    assert result.outputs["used_since"] is False and result.undo is None
    assert env.recorder.mutating == []


def test_used_since() -> None:
    assert _used_since("2026-11-27T10:00:00+00:00", "2026-11-27T09:00:00Z")
    assert not _used_since("2026-11-27T08:00:00+00:00", "2026-11-27T09:00:00Z")
    assert not _used_since(None, "2026-11-27T09:00:00Z")


def test_rotation_end_to_end(env: Any) -> None:
    """Create and hand over, check the old key is idle, deactivate, delete."""
    user, old = make_user(env)
    secret_id = env.name("secret")
    outputs: dict[str, Any] = {}
    for name, params in rotation_steps(user, old, secret_id):
        if name == "iam.access_key_last_used":
            params = {**params, "since": outputs["handed_over_at"]}
        act = get_action(name)
        result = act.apply(env.aws, act.plan(env.aws, params))
        outputs.update(result.outputs)
        if name == "iam.access_key_last_used":
            assert result.outputs["used_since"] is False  # nothing still uses the old key
    new = outputs["access_key_id"]
    assert keys(env, user) == {new: "Active"}
    assert stored(env, secret_id)["AccessKeyId"] == new


def test_rollback_from_a_result_rebuilt_from_state(env: Any) -> None:
    """A runner that crashed after apply rebuilds the result from a fresh plan's before-state
    and the plain ``undo_for``; rollback still finds the key it created."""
    user, old = make_user(env)
    secret_id = env.name("secret")
    env.client("secretsmanager").create_secret(Name=secret_id, SecretString="{}")
    act = get_action("iam.create_access_key_to_secret")
    plan = act.plan(env.aws, {"user_name": user, "secret_id": secret_id, "replaces": old})
    act.apply(env.aws, plan)
    now = act.plan(env.aws, plan.params)
    rebuilt = ActionResult(
        plan.action, plan.target, plan.calls, plan.before, now.before, act.undo_for(plan, [])
    )
    rolled = act.rollback(env.aws, rebuilt)
    assert [c.operation for c in rolled.calls] == ["DeleteAccessKey", "UpdateSecretVersionStage"]
    assert set(keys(env, user)) == {old}
    assert current_version(env, secret_id) == plan.before["secret_version"]
