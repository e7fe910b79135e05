"""Law: the SMT answer agrees with brute force over a finite universe of requests.

Random small policies (wildcard and NotAction actions, Resource / NotResource patterns,
Allow and Deny, String / Numeric / Null / IfExists / ForAnyValue / ForAllValues
conditions, principals and NotPrincipal for resource policies) are checked with z3 and
with the engine over every request of a finite universe. A FAIL's witness must be what
the engine decides (allowed under NEW, not under the reference); a PASS must mean that no
request of the universe is allowed by NEW and not by the reference.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudwarden.iam import PolicySet, Request, compile_policy_set, parse_policy
from cloudwarden.iam.policy import Policy
from cloudwarden.iam.smt import (
    PINNING_KEYS,
    check_no_new_access,
    check_no_public_access,
    engine_allows,
)
from cloudwarden.iam.smt.checks import _allow_all, _delegation

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]
ACTION_PATTERNS = [*ACTIONS, "s3:Get*", "s3:*Object", "s3:*", "*", "S3:getobject", "s3:?etObject"]
RESOURCES = ["arn:aws:s3:::b", "arn:aws:s3:::b/x", "arn:aws:s3:::c/y", "arn:aws:s3:::c/x/z"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::b*", "arn:aws:s3:::b/*", "arn:aws:s3:::?/y",
                     "arn:aws:s3:::c/*", "arn:aws:s3:::c/y"]  # fmt: skip
PREFIXES = [None, "a", "b", "ab", "c"]
MAX_KEYS = [None, "3", "5", "7", "10", "12"]
TAG_KEYS: list[list[str] | None] = [None, ["x"], ["y"], ["x", "y"], ["z"], ["x", "z"]]
PRINCIPALS = [
    ALICE,
    f"arn:aws:iam::{ACCOUNT}:user/bob",
    f"arn:aws:iam::{ACCOUNT}:root",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:sts::444455556666:assumed-role/app/s1",
    "lambda.amazonaws.com",
    "anonymous",
]
PRINCIPAL_SPECS: list[Any] = [
    "*",
    {"AWS": ACCOUNT},
    {"AWS": ALICE},
    {"AWS": [ALICE, ACCOUNT]},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
    {"Service": "lambda.amazonaws.com"},
]

conditions = st.sampled_from(
    [
        {"StringEquals": {"s3:prefix": "a"}},
        {"StringLike": {"s3:prefix": "a*"}},
        {"StringNotEquals": {"s3:prefix": ["a", "b"]}},
        {"StringEqualsIfExists": {"s3:prefix": "ab"}},
        {"Null": {"s3:prefix": "true"}},
        {"NumericLessThan": {"s3:max-keys": "7"}},
        {"NumericGreaterThanEquals": {"s3:max-keys": "5"}},
        {"NumericNotEquals": {"s3:max-keys": "10"}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["x", "y"]}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["x", "y"]}},
    ]
)


@st.composite
def statements(draw: Any, resource_policy: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    out[action_key] = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    out[resource_key] = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))
    if resource_policy:
        principal_key = draw(st.sampled_from(["Principal", "Principal", "NotPrincipal"]))
        out[principal_key] = draw(st.sampled_from(PRINCIPAL_SPECS))
    block: dict[str, Any] = {}
    for condition in draw(st.lists(conditions, max_size=2)):
        block.update(condition)
    if block:
        out["Condition"] = block
    return out


def policies(resource_policy: bool) -> Any:
    return st.lists(statements(resource_policy), min_size=1, max_size=3).map(
        lambda sts: parse_policy({"Version": "2012-10-17", "Statement": sts})
    )


def _contexts() -> list[dict[str, Any]]:
    out = []
    for prefix, max_keys, tags in itertools.product(PREFIXES, MAX_KEYS, TAG_KEYS):
        context: dict[str, Any] = {}
        if prefix is not None:
            context["s3:prefix"] = prefix
        if max_keys is not None:
            context["s3:max-keys"] = max_keys
        if tags is not None:
            context["aws:TagKeys"] = tags
        out.append(context)
    return out


CONTEXTS = _contexts()
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _brute_force(mode: str, new: Policy, old: Policy) -> Request | None:
    """The first request of the finite universe that NEW allows and OLD does not."""
    if mode == "identity":
        principals, account = [ALICE], ACCOUNT
        make = lambda p: PolicySet(identity_policies=[p], resource_policy=_delegation(ACCOUNT))  # noqa: E731
    else:
        principals, account = PRINCIPALS, "999988887777"
        make = lambda p: PolicySet(  # noqa: E731
            identity_policies=[_allow_all()], resource_policy=p, resource_account=account
        )
    compiled_new, compiled_old = compile_policy_set(make(new)), compile_policy_set(make(old))
    for principal, action, resource in itertools.product(principals, ACTIONS, RESOURCES):
        for context in CONTEXTS:
            request = Request(principal, action, resource, context, resource_account=account)
            if (
                compiled_new.decide(request) == "allowed"
                and compiled_old.decide(request) != "allowed"
            ):
                return request
    return None


def _agree(mode: str, new: Policy, old: Policy) -> None:
    result = check_no_new_access(
        new, old, policy_type=mode, resource_type="AWS::S3::Bucket" if mode == "resource" else None
    )
    if result.result == "FAIL":
        assert result.witness is not None
        assert engine_allows(mode, new, result.witness)  # type: ignore[arg-type]
        assert not engine_allows(mode, old, result.witness)  # type: ignore[arg-type]
        return
    if result.result == "UNKNOWN":
        assert result.reason and "at most" in result.reason, result
        return
    found = _brute_force(mode, new, old)
    assert found is None, f"PASS, but the engine allows {found} under NEW only"


@SETTINGS
@given(policies(False), policies(False))
def test_identity_no_new_access_matches_brute_force(new: Policy, old: Policy) -> None:
    _agree("identity", new, old)


@SETTINGS
@given(policies(False))
def test_identity_policy_against_itself_passes(policy: Policy) -> None:
    result = check_no_new_access(policy, policy)
    assert result.result in ("PASS", "UNKNOWN"), result


@settings(max_examples=15, deadline=None, derandomize=True)
@given(policies(True), policies(True))
def test_resource_no_new_access_matches_brute_force(new: Policy, old: Policy) -> None:
    _agree("resource", new, old)


PUBLIC_CALLERS = [
    "anonymous",
    "arn:aws:iam::777788889999:user/eve",
    "arn:aws:sts::777788889999:assumed-role/app/s1",
    "arn:aws:iam::777788889999:root",
]
pinning = st.sampled_from(
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    ]
)


@st.composite
def public_policies(draw: Any) -> Policy:
    statements_ = draw(st.lists(statements(True), min_size=1, max_size=3))
    for statement in statements_:
        if draw(st.booleans()):
            statement.setdefault("Condition", {}).update(draw(pinning))
    return parse_policy({"Version": "2012-10-17", "Statement": statements_})


@settings(max_examples=15, deadline=None, derandomize=True)
@given(public_policies())
def test_public_access_matches_brute_force(policy: Policy) -> None:
    """A public caller (anonymous, or an account the policy never names) sending none of
    the pinning keys: FAIL's witness is one, and PASS means no such request is allowed."""
    result = check_no_public_access(policy, "AWS::S3::Bucket")
    if result.result == "FAIL":
        witness = result.witness
        assert witness is not None and engine_allows("resource", policy, witness)
        assert ACCOUNT not in witness.principal
        assert not {k.lower() for k in witness.context} & set(PINNING_KEYS)
        return
    if result.result == "UNKNOWN":
        assert result.reason and "at most" in result.reason, result
        return
    account = "999988887777"
    compiled = compile_policy_set(
        PolicySet(
            identity_policies=[_allow_all()], resource_policy=policy, resource_account=account
        )
    )
    for caller, action, resource in itertools.product(PUBLIC_CALLERS, ACTIONS, RESOURCES):
        for context in CONTEXTS:
            request = Request(caller, action, resource, context, resource_account=account)
            assert compiled.decide(request) != "allowed", f"PASS, but {request} is allowed"
