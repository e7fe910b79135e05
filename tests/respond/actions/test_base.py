"""The action interface: records, registry, parameter checks, helpers, and the dry-run
guarantee — ``plan()`` sends no mutating call, proven by recording every operation the
emulator is sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden.aws.errors import FailureKind
from cloudwarden.iam import catalog
from cloudwarden.registry import RegistryError
from cloudwarden.respond.actions import (
    REDACTED,
    Action,
    ActionError,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    all_actions,
    get_action,
    is_read_only,
)
from cloudwarden.respond.actions.base import exemption, jsonable, redact, tag_map

MINE = (
    "iam.access_key_last_used",
    "iam.create_access_key_to_secret",
    "iam.deactivate_access_key",
    "iam.delete_access_key",
    "iam.delete_login_profile",
    "iam.detach_policy",
    "iam.quarantine_role",
    "iam.revoke_sessions",
    "kms.cancel_key_deletion",
    "kms.enable_key",
    "notify.send",
)


# -- records -----------------------------------------------------------------------------


def test_records_are_frozen_and_journal_as_json() -> None:
    call = ApiCall("iam", "UpdateAccessKey", {"UserName": "u"}, "us-east-1", True)
    assert call.method == "update_access_key"
    assert call.describe() == "iam:UpdateAccessKey(UserName='u') [us-east-1]"
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.operation = "DeleteUser"  # type: ignore[misc]
    target = Target("123456789012", "us-east-1", "arn:aws:iam::123456789012:user/u")
    assert json.loads(json.dumps(call.as_dict()))["mutating"] is True
    assert target.as_dict()["resource"].endswith("user/u")


@pytest.mark.parametrize(
    ("operation", "read_only"),
    [
        ("GetUser", True),
        ("ListAccessKeys", True),
        ("DescribeKey", True),
        ("HeadObject", True),
        ("UpdateAccessKey", False),
        ("PutRolePolicy", False),
        ("CancelKeyDeletion", False),
    ],
)
def test_is_read_only(operation: str, read_only: bool) -> None:
    assert is_read_only(operation) is read_only


def test_helpers() -> None:
    assert tag_map([{"Key": "a", "Value": "1"}, {"TagKey": "b", "TagValue": "2"}]) == {
        "a": "1",
        "b": "2",
    }
    assert exemption({"cloudwarden:exempt": " True "}, "r") == "r is tagged cloudwarden:exempt=true"
    assert exemption({"cloudwarden:exempt": "false"}, "r") is None
    assert exemption(None, "r") is None
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert jsonable({"t": when, "l": (1, b"secret")}) == {
        "t": "2026-01-02T03:04:05+00:00",
        "l": [1, REDACTED],
    }
    assert redact({"SecretString": "s", "SecretId": "x"}, ["SecretString"]) == {
        "SecretString": REDACTED,
        "SecretId": "x",
    }


def test_action_error_carries_the_classified_kind() -> None:
    exc = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "no\nmore"}}, "GetUser")
    err = ActionError.from_exception(exc, "iam:GetUser")
    assert err.kind is FailureKind.NOT_FOUND and str(err) == "iam:GetUser: NoSuchEntity: no"
    assert ActionError("refused").kind is FailureKind.OTHER


# -- registry ----------------------------------------------------------------------------


def test_registry_holds_every_action_of_this_part() -> None:
    names = {a.name for a in all_actions()}
    assert set(MINE) <= names
    with pytest.raises(RegistryError):
        get_action("iam.delete_everything")


@pytest.mark.parametrize("act", all_actions(), ids=lambda a: a.name)
def test_every_action_declares_its_contract(act: Action) -> None:
    service, _dot, verb = act.name.partition(".")
    assert service and verb and act.description and isinstance(act.phase, Phase)
    assert act.params and all(isinstance(p, ParamSpec) for p in act.params)
    assert act.permissions, "every action that touches AWS names its permissions"
    for perm in act.permissions:
        assert catalog.canonical_action(perm) == perm, f"{perm} is not in the IAM catalogue"


def test_validate_params_reports_every_problem() -> None:
    act = get_action("iam.deactivate_access_key")
    assert act.validate_params({"user_name": 3, "extra": True}) == [
        "iam.deactivate_access_key: unknown parameter 'extra'",
        "iam.deactivate_access_key: parameter 'user_name' has the wrong type",
        "iam.deactivate_access_key: missing parameter 'access_key_id'",
    ]
    with pytest.raises(ActionError, match="missing parameter"):
        act.checked_params({"user_name": "u"})


def test_plan_for_another_action_is_refused(env: Any) -> None:
    key = _user_with_key(env)["access_key_id"]
    plan = get_action("iam.access_key_last_used").plan(env.aws, {"access_key_id": key})
    with pytest.raises(ActionError, match="was given a plan for"):
        get_action("iam.delete_access_key").apply(env.aws, plan)


# -- dry run: plan() makes no mutating call ------------------------------------------------

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


def _user_with_key(env: Any) -> dict[str, str]:
    iam = env.client("iam")
    user = env.name("dry")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    return {"user_name": user, "access_key_id": key}


def _role(env: Any) -> str:
    role = env.name("dry")
    env.client("iam").create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    return str(role)


def _login(env: Any) -> dict[str, Any]:
    p = _user_with_key(env)
    env.client("iam").create_login_profile(UserName=p["user_name"], Password="Dry-Run-123!")
    return {"user_name": p["user_name"]}


def _attached(env: Any) -> dict[str, Any]:
    role = _role(env)
    iam = env.client("iam")
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName=env.name("dry"), PolicyDocument=json.dumps(doc))["Policy"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return {"role_name": role, "policy_arn": arn}


def _key(env: Any, *, pending: bool) -> dict[str, Any]:
    kms = env.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    if pending:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    else:
        kms.disable_key(KeyId=key_id)
    return {"key_id": key_id}


def _notify(env: Any, tmp_path: Path) -> dict[str, Any]:
    topic = env.client("sns").create_topic(Name=env.name("dry"))["TopicArn"]
    return {"sinks": [f"sns:{topic}", f"file:{tmp_path / 'out.jsonl'}"], "message": "m"}


Setup = Callable[[Any, Path], dict[str, Any]]
VULNERABLE: dict[str, tuple[Setup, tuple[str, ...]]] = {
    "iam.deactivate_access_key": (lambda e, _t: _user_with_key(e), ("UpdateAccessKey",)),
    "iam.delete_access_key": (lambda e, _t: _user_with_key(e), ("DeleteAccessKey",)),
    "iam.delete_login_profile": (lambda e, _t: _login(e), ("DeleteLoginProfile",)),
    "iam.detach_policy": (lambda e, _t: _attached(e), ("DetachRolePolicy",)),
    "iam.revoke_sessions": (lambda e, _t: {"role_name": _role(e)}, ("PutRolePolicy",)),
    "iam.quarantine_role": (lambda e, _t: {"role_name": _role(e)}, ("PutRolePolicy",)),
    "iam.create_access_key_to_secret": (
        lambda e, _t: {"user_name": _user_with_key(e)["user_name"], "secret_id": e.name("dry")},
        ("CreateAccessKey", "CreateSecret"),
    ),
    "iam.access_key_last_used": (
        lambda e, _t: {"access_key_id": _user_with_key(e)["access_key_id"]},
        (),
    ),
    "kms.cancel_key_deletion": (
        lambda e, _t: _key(e, pending=True),
        ("CancelKeyDeletion", "EnableKey"),
    ),
    "kms.enable_key": (lambda e, _t: _key(e, pending=False), ("EnableKey",)),
    "notify.send": (_notify, ("Publish", "Send")),
}


def test_dry_run_table_covers_this_part() -> None:
    assert sorted(VULNERABLE) == sorted(MINE)


@pytest.mark.parametrize("name", sorted(VULNERABLE))
def test_plan_makes_no_mutating_call(env: Any, tmp_path: Path, name: str) -> None:
    setup, expected = VULNERABLE[name]
    params = setup(env, tmp_path)
    env.recorder.clear()

    plan = get_action(name).plan(env.aws, params)

    assert env.recorder.mutating == [], f"{name}.plan() sent {env.recorder.mutating}"
    assert all(is_read_only(op) for _service, op in env.recorder.calls)
    assert tuple(c.operation for c in plan.calls) == expected
    assert all(c.mutating for c in plan.calls)
    assert plan.noop is (not expected)
    assert not (tmp_path / "out.jsonl").exists()  # nor any other side effect
