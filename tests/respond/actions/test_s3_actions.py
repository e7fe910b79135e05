"""S3 containment actions against the lab: plan, apply, idempotence, rollback, exemption.

moto stores Block Public Access but does not enforce it (a public policy is still
accepted afterwards), so containment is checked as AWS reports the configuration,
and the policy and ACL actions are checked on the policy and ACL themselves.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.actions.s3 import public_statement_indexes

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _bucket(env: Any, *, tags: dict[str, str] | None = None) -> str:
    name = env.name("bucket")
    s3 = env.client("s3")
    s3.create_bucket(Bucket=name)
    if tags:
        tagset = [{"Key": k, "Value": v} for k, v in tags.items()]
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tagset})
    return name


def _bpa(env: Any, bucket: str) -> dict[str, bool] | None:
    try:
        resp = env.client("s3").get_public_access_block(Bucket=bucket)
    except env.client("s3").exceptions.ClientError:
        return None
    return dict(resp["PublicAccessBlockConfiguration"])


def _policy(env: Any, bucket: str) -> str | None:
    s3 = env.client("s3")
    try:
        return str(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return None


def _stmt(sid: str, principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"} | extra


# --- Block Public Access ------------------------------------------------------------


def test_block_public_access_plan_apply_noop_rollback(env: Any) -> None:
    bucket = _bucket(env)
    action = get_action("s3.block_public_access")

    plan = action.plan(env.aws, {"bucket": bucket})
    assert not plan.noop and plan.exempt is None
    assert [c.operation for c in plan.calls] == ["PutPublicAccessBlock"]
    assert plan.before == {"configuration": None}
    assert plan.target.resource == f"arn:aws:s3:::{bucket}"
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _bpa(env, bucket) == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert action.plan(env.aws, {"bucket": bucket}).noop

    undone = action.rollback(env.aws, result)
    assert [c.operation for c in undone.calls] == ["DeletePublicAccessBlock"]
    assert _bpa(env, bucket) is None


def test_block_public_access_rollback_restores_the_previous_flags(env: Any) -> None:
    bucket = _bucket(env)
    previous = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True,
    }
    env.client("s3").put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=previous)
    action = get_action("s3.block_public_access")
    result = action.apply(env.aws, action.plan(env.aws, {"bucket": bucket}))
    assert _bpa(env, bucket) == dict.fromkeys(previous, True)

    action.rollback(env.aws, result)
    assert _bpa(env, bucket) == previous


def test_block_public_access_refuses_an_exempt_bucket(env: Any) -> None:
    bucket = _bucket(env, tags={"cloudwarden:exempt": "true"})
    action = get_action("s3.block_public_access")
    plan = action.plan(env.aws, {"bucket": bucket})
    assert plan.exempt == f"bucket {bucket} is tagged cloudwarden:exempt=true"
    assert plan.calls == () and not plan.noop
    with pytest.raises(ActionError, match="refused"):
        action.apply(env.aws, plan)
    assert _bpa(env, bucket) is None


# --- bucket policy -----------------------------------------------------------------------


def test_public_statements_are_the_checks_public_grants() -> None:
    policy = {
        "Statement": [
            _stmt("Public", "*"),
            _stmt("Org", "*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            _stmt("Account", {"AWS": "arn:aws:iam::111122223333:root"}),
            _stmt("AnyIp", {"AWS": "*"}, Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
            {"Sid": "Deny", "Effect": "Deny", "Principal": "*", "Action": "s3:*"},
        ]
    }
    assert public_statement_indexes(policy) == [0, 3]


def test_a_deny_fence_makes_an_allow_statement_private() -> None:
    fence = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    assert public_statement_indexes({"Statement": [_stmt("Public", "*"), fence]}) == []


def test_remove_public_policy_statements_keeps_the_rest(env: Any) -> None:
    bucket = _bucket(env)
    arn = f"arn:aws:s3:::{bucket}/*"
    public = _stmt("Public", "*", Resource=arn)
    private = _stmt("Partner", {"AWS": "arn:aws:iam::111122223333:root"}, Resource=arn)
    original = json.dumps({"Version": "2012-10-17", "Statement": [public, private]})
    env.client("s3").put_bucket_policy(Bucket=bucket, Policy=original)
    action = get_action("s3.remove_public_policy_statements")

    plan = action.plan(env.aws, {"bucket": bucket})
    assert [c.operation for c in plan.calls] == ["PutBucketPolicy"]
    assert plan.before["public_statements"] == [public]
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert json.loads(_policy(env, bucket) or "{}")["Statement"] == [private]
    assert result.undo is not None and result.undo["before"]["public_statements"] == [public]
    assert action.plan(env.aws, {"bucket": bucket}).noop

    action.rollback(env.aws, result)
    assert json.loads(_policy(env, bucket) or "{}") == json.loads(original)


def test_a_policy_with_only_public_statements_is_deleted_and_restored(env: Any) -> None:
    bucket = _bucket(env)
    original = json.dumps(
        {"Version": "2012-10-17", "Statement": [_stmt("Public", "*", Resource="*")]}
    )
    env.client("s3").put_bucket_policy(Bucket=bucket, Policy=original)
    action = get_action("s3.remove_public_policy_statements")

    plan = action.plan(env.aws, {"bucket": bucket})
    assert [c.operation for c in plan.calls] == ["DeleteBucketPolicy"]
    result = action.apply(env.aws, plan)
    assert _policy(env, bucket) is None
    assert action.plan(env.aws, {"bucket": bucket}).noop

    action.rollback(env.aws, result)
    assert json.loads(_policy(env, bucket) or "{}") == json.loads(original)


def test_a_bucket_without_policy_needs_nothing(env: Any) -> None:
    plan = get_action("s3.remove_public_policy_statements").plan(env.aws, {"bucket": _bucket(env)})
    assert plan.noop and plan.calls == ()
    assert plan.before == {"policy": None, "public_statements": []}


def test_remove_public_policy_statements_refuses_an_exempt_bucket(env: Any) -> None:
    bucket = _bucket(env, tags={"cloudwarden:exempt": "TRUE"})
    policy = json.dumps({"Version": "2012-10-17", "Statement": [_stmt("P", "*", Resource="*")]})
    env.client("s3").put_bucket_policy(Bucket=bucket, Policy=policy)
    plan = get_action("s3.remove_public_policy_statements").plan(env.aws, {"bucket": bucket})
    assert plan.exempt and plan.calls == ()
    assert _policy(env, bucket) is not None


# --- ACL -------------------------------------------------------------------------------


def _public_acl(env: Any, bucket: str) -> list[dict[str, Any]]:
    s3 = env.client("s3")
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    grants = [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": AUTH_USERS}, "Permission": "READ_ACP"},
    ]
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": grants})
    return list(s3.get_bucket_acl(Bucket=bucket)["Grants"])


def _grantees(env: Any, bucket: str) -> list[str]:
    grants = env.client("s3").get_bucket_acl(Bucket=bucket)["Grants"]
    return sorted(g["Grantee"].get("URI") or g["Grantee"]["Type"] for g in grants)


def test_remove_public_acl_grants_plan_apply_noop_rollback(env: Any) -> None:
    bucket = _bucket(env)
    original = _public_acl(env, bucket)
    action = get_action("s3.remove_public_acl_grants")

    plan = action.plan(env.aws, {"bucket": bucket})
    assert [c.operation for c in plan.calls] == ["PutBucketAcl"]
    assert len(plan.before["public_grants"]) == 2
    assert env.recorder.mutating == []

    result = action.apply(env.aws, plan)
    assert _grantees(env, bucket) == ["CanonicalUser"]
    assert action.plan(env.aws, {"bucket": bucket}).noop

    action.rollback(env.aws, result)
    assert env.client("s3").get_bucket_acl(Bucket=bucket)["Grants"] == original


def test_remove_public_acl_grants_refuses_an_exempt_bucket(env: Any) -> None:
    bucket = _bucket(env, tags={"cloudwarden:exempt": "true"})
    _public_acl(env, bucket)
    plan = get_action("s3.remove_public_acl_grants").plan(env.aws, {"bucket": bucket})
    assert plan.exempt and plan.calls == ()
    assert ALL_USERS in _grantees(env, bucket)


def test_a_missing_bucket_is_one_clear_error(env: Any) -> None:
    with pytest.raises(ActionError, match="NoSuchBucket"):
        get_action("s3.block_public_access").plan(env.aws, {"bucket": env.name("missing")})
