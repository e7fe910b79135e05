"""IAM actions on the lab: plan, apply, plan again (no-op), roll back — each checked
through the IAM API, not through the action's own result.

moto stores these changes but does not enforce them (an inactive key still signs
requests, the ``aws:TokenIssueTime`` condition is ignored), so the tests judge the
state AWS would act on, which is what the actions change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.aws.errors import FailureKind
from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.actions.iam_deny import (
    QUARANTINE_POLICY_NAME,
    REVOKE_POLICY_NAME,
    revoke_document,
)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
EXEMPT = [{"Key": "cloudwarden:exempt", "Value": "true"}]


def make_user(env: Any, *, tags: list[dict[str, str]] | None = None) -> tuple[str, str]:
    iam = env.client("iam")
    name = env.name("user")
    iam.create_user(UserName=name, Tags=tags or [])
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    return name, key


def make_role(env: Any, *, path: str = "/", tags: list[dict[str, str]] | None = None) -> str:
    name = env.name("role")
    env.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=TRUST, Path=path, Tags=tags or []
    )
    return str(name)


def key_status(env: Any, user: str, key: str) -> str | None:
    keys = env.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return next((k["Status"] for k in keys if k["AccessKeyId"] == key), None)


def inline(env: Any, kind: str, name: str, policy: str) -> dict[str, Any] | None:
    iam = env.client("iam")
    ref = {f"{kind.capitalize()}Name": name}
    try:
        doc = getattr(iam, f"get_{kind}_policy")(**ref, PolicyName=policy)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return dict(doc)


# -- iam.deactivate_access_key -----------------------------------------------------------


def test_deactivate_access_key_cycle(env: Any) -> None:
    user, key = make_user(env)
    act = get_action("iam.deactivate_access_key")
    params = {"user_name": user, "access_key_id": key}

    plan = act.plan(env.aws, params)
    assert not plan.noop and plan.exempt is None
    assert [(c.service, c.operation, c.mutating) for c in plan.calls] == [
        ("iam", "UpdateAccessKey", True)
    ]
    assert plan.calls[0].params == {"UserName": user, "AccessKeyId": key, "Status": "Inactive"}
    assert plan.before["status"] == "Active"
    assert plan.target.resource == f"arn:aws:iam::123456789012:user/{user}"

    result = act.apply(env.aws, plan)
    assert key_status(env, user, key) == "Inactive"
    assert result.after["status"] == "Inactive" and result.undo is not None

    again = act.plan(env.aws, params)
    assert again.noop and again.calls == ()

    rolled = act.rollback(env.aws, result)
    assert key_status(env, user, key) == "Active"
    assert [c.params["Status"] for c in rolled.calls] == ["Active"]


def test_deactivate_unknown_key_is_refused(env: Any) -> None:
    user, _key = make_user(env)
    with pytest.raises(ActionError, match="has no key"):
        get_action("iam.deactivate_access_key").plan(
            env.aws, {"user_name": user, "access_key_id": "AKIANOTAKEY000000000"}
        )


def test_unknown_user_is_a_not_found_error(env: Any) -> None:
    with pytest.raises(ActionError) as err:
        get_action("iam.deactivate_access_key").plan(
            env.aws, {"user_name": env.name("ghost"), "access_key_id": "AKIA0"}
        )
    assert err.value.kind is FailureKind.NOT_FOUND


def test_exempt_user_is_refused(env: Any) -> None:
    user, key = make_user(env, tags=EXEMPT)
    act = get_action("iam.deactivate_access_key")
    plan = act.plan(env.aws, {"user_name": user, "access_key_id": key})
    assert plan.exempt and "cloudwarden:exempt" in plan.exempt
    assert plan.calls == () and not plan.noop
    with pytest.raises(ActionError, match="refused"):
        act.apply(env.aws, plan)
    assert key_status(env, user, key) == "Active"


# -- iam.delete_access_key -----------------------------------------------------------------


def test_delete_access_key_is_one_way(env: Any) -> None:
    user, key = make_user(env)
    act = get_action("iam.delete_access_key")
    params = {"user_name": user, "access_key_id": key}
    plan = act.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == ["DeleteAccessKey"]

    result = act.apply(env.aws, plan)
    assert key_status(env, user, key) is None
    assert result.undo is None and not act.reversible

    assert act.plan(env.aws, params).noop
    with pytest.raises(ActionError, match="cannot be rolled back"):
        act.rollback(env.aws, result)


# -- iam.delete_login_profile --------------------------------------------------------------


def test_delete_login_profile_is_one_way(env: Any) -> None:
    user, _key = make_user(env)
    iam = env.client("iam")
    iam.create_login_profile(UserName=user, Password="Lab-Password-123!")
    act = get_action("iam.delete_login_profile")

    plan = act.plan(env.aws, {"user_name": user})
    assert [c.operation for c in plan.calls] == ["DeleteLoginProfile"]
    assert plan.before["login_profile"] is not None
    assert "Lab-Password" not in json.dumps(plan.as_dict())

    result = act.apply(env.aws, plan)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName=user)
    assert result.after == {"login_profile": None} and result.undo is None

    assert act.plan(env.aws, {"user_name": user}).noop
    with pytest.raises(ActionError, match="password is gone"):
        act.rollback(env.aws, result)


# -- iam.detach_policy ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["user", "role", "group"])
def test_detach_policy_cycle(env: Any, kind: str) -> None:
    iam = env.client("iam")
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName=env.name("pol"), PolicyDocument=json.dumps(doc))["Policy"][
        "Arn"
    ]
    if kind == "user":
        name, _key = make_user(env)
    elif kind == "role":
        name = make_role(env)
    else:
        name = env.name("group")
        iam.create_group(GroupName=name)
    ref = {f"{kind.capitalize()}Name": name}
    getattr(iam, f"attach_{kind}_policy")(**ref, PolicyArn=arn)

    def attached() -> list[str]:
        found = getattr(iam, f"list_attached_{kind}_policies")(**ref)["AttachedPolicies"]
        return [p["PolicyArn"] for p in found]

    act = get_action("iam.detach_policy")
    params = {f"{kind}_name": name, "policy_arn": arn}
    plan = act.plan(env.aws, params)
    assert [c.operation for c in plan.calls] == [f"Detach{kind.capitalize()}Policy"]

    result = act.apply(env.aws, plan)
    assert arn not in attached()
    assert act.plan(env.aws, params).noop

    rolled = act.rollback(env.aws, result)
    assert arn in attached()
    assert [c.operation for c in rolled.calls] == [f"Attach{kind.capitalize()}Policy"]


def test_detach_policy_needs_exactly_one_principal() -> None:
    act = get_action("iam.detach_policy")
    problems = act.validate_params({"user_name": "a", "role_name": "b", "policy_arn": "x"})
    assert problems == ["iam.detach_policy: give exactly one of user_name, role_name, group_name"]


# -- iam.revoke_sessions --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["role", "user"])
def test_revoke_sessions_cycle(env: Any, kind: str) -> None:
    name = make_role(env) if kind == "role" else make_user(env)[0]
    act = get_action("iam.revoke_sessions")
    params = {f"{kind}_name": name, "issued_before": "2026-11-27T10:00:00Z"}

    plan = act.plan(env.aws, params)
    (call,) = plan.calls
    assert call.operation == f"Put{kind.capitalize()}Policy"
    assert call.params["PolicyName"] == REVOKE_POLICY_NAME
    assert json.loads(call.params["PolicyDocument"]) == revoke_document("2026-11-27T10:00:00Z")

    act.apply(env.aws, plan)
    doc = inline(env, kind, name, REVOKE_POLICY_NAME)
    assert doc is not None
    statement = doc["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Action"] == "*"
    assert statement["Condition"] == {
        "DateLessThan": {"aws:TokenIssueTime": "2026-11-27T10:00:00Z"}
    }

    assert act.plan(env.aws, params).noop
    # an earlier cut-off is covered by the later one already in place
    assert act.plan(env.aws, {**params, "issued_before": "2026-11-27T09:00:00Z"}).noop

    result = act.apply(env.aws, act.plan(env.aws, params))
    assert result.calls == () and result.undo is None  # applying a no-op plan makes no call


def test_revoke_sessions_rollback_restores_previous_revocation(env: Any) -> None:
    role = make_role(env)
    act = get_action("iam.revoke_sessions")
    first = act.apply(
        env.aws, act.plan(env.aws, {"role_name": role, "issued_before": "2026-01-01T00:00:00Z"})
    )
    second = act.apply(
        env.aws, act.plan(env.aws, {"role_name": role, "issued_before": "2026-06-01T00:00:00Z"})
    )
    assert inline(env, "role", role, REVOKE_POLICY_NAME) == revoke_document("2026-06-01T00:00:00Z")

    act.rollback(env.aws, second)
    assert inline(env, "role", role, REVOKE_POLICY_NAME) == revoke_document("2026-01-01T00:00:00Z")
    act.rollback(env.aws, first)
    assert inline(env, "role", role, REVOKE_POLICY_NAME) is None


def test_revoke_sessions_defaults_to_now(env: Any) -> None:
    role = make_role(env)
    plan = get_action("iam.revoke_sessions").plan(env.aws, {"role_name": role})
    cutoff = plan.params["issued_before"]
    assert cutoff.endswith("Z") and cutoff[:4] >= "2025"


def test_revoke_sessions_refuses_service_linked_roles(env: Any) -> None:
    role = make_role(env, path="/aws-service-role/ec2.amazonaws.com/")
    with pytest.raises(ActionError, match="service-linked"):
        get_action("iam.revoke_sessions").plan(env.aws, {"role_name": role})


def test_revoke_sessions_bad_time(env: Any) -> None:
    role = make_role(env)
    with pytest.raises(ActionError, match="ISO 8601"):
        get_action("iam.revoke_sessions").plan(
            env.aws, {"role_name": role, "issued_before": "yesterday"}
        )


# -- iam.quarantine_role ----------------------------------------------------------------------


def test_quarantine_role_cycle(env: Any) -> None:
    role = make_role(env)
    act = get_action("iam.quarantine_role")
    plan = act.plan(env.aws, {"role_name": role})
    assert [c.operation for c in plan.calls] == ["PutRolePolicy"]
    assert plan.before == {"policy_name": QUARANTINE_POLICY_NAME, "document": None}

    result = act.apply(env.aws, plan)
    doc = inline(env, "role", role, QUARANTINE_POLICY_NAME)
    assert doc is not None and doc["Statement"][0]["Effect"] == "Deny"
    assert "Condition" not in doc["Statement"][0]

    assert act.plan(env.aws, {"role_name": role}).noop

    rolled = act.rollback(env.aws, result)
    assert [c.operation for c in rolled.calls] == ["DeleteRolePolicy"]
    assert inline(env, "role", role, QUARANTINE_POLICY_NAME) is None


def test_quarantine_exempt_role(env: Any) -> None:
    role = make_role(env, tags=[{"Key": "cloudwarden:exempt", "Value": "TRUE"}])
    plan = get_action("iam.quarantine_role").plan(env.aws, {"role_name": role})
    assert plan.exempt is not None and plan.calls == ()
