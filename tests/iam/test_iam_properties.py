"""Laws of the evaluation logic, checked on generated policy sets (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from iam_helpers import ACCT, FED_USER, OTHER_USER, ROLE, ROOT, SESSION, USER, clock

from cloudwarden.iam import PolicySet, Request, compile_policy_set, evaluate, parse_policy

SETTINGS = settings(max_examples=200, deadline=None)

ACTIONS = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "ec2:RunInstances"]
ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "s3:PutObject", "sqs:*", "ec2:Run*", "*:Send*"]
RESOURCES = ["arn:aws:s3:::b/k", "arn:aws:s3:::logs/k", f"arn:aws:sqs:us-east-1:{ACCT}:q", "*"]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*log*",
    "arn:aws:sqs:*:*:*",
    # depends on the request context: b/blue with the tag, b/k (a match) without it
    "arn:aws:s3:::b/${aws:PrincipalTag/team, 'k'}",
]
PRINCIPALS = [USER, SESSION, FED_USER, ROOT, OTHER_USER, "cloudtrail.amazonaws.com", "anonymous"]
PRINCIPAL_ELEMENTS: list[Any] = [
    "*",
    {"AWS": ACCT},
    {"AWS": USER},
    {"AWS": ROLE},
    {"AWS": SESSION},
    {"AWS": "444455556666"},
    {"Service": "cloudtrail.amazonaws.com"},
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["env*"]}},
]
CONTEXTS: list[dict[str, Any]] = [
    {},
    {"aws:SecureTransport": "true", "aws:PrincipalTag/team": "blue"},
    {"aws:SecureTransport": "false", "aws:PrincipalOrgID": "o-2", "aws:TagKeys": ["env", "x"]},
]


@st.composite
def statements(
    draw: st.DrawFn, effect: str | None = None, principal: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        "Action": draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2)),
        "Resource": draw(st.sampled_from(RESOURCE_PATTERNS)),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        out["NotAction"] = out.pop("Action")
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        out["Condition"] = condition
    if principal:
        out["Principal"] = draw(st.sampled_from(PRINCIPAL_ELEMENTS))
    return out


def _doc(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


@st.composite
def policy_sets(draw: st.DrawFn) -> dict[str, Any]:
    def docs(principal: bool = False, min_size: int = 0) -> list[dict[str, Any]]:
        stmts = draw(st.lists(statements(principal=principal), min_size=min_size, max_size=3))
        return stmts

    out: dict[str, Any] = {
        "identity_policies": [_doc(docs()) for _ in range(draw(st.integers(0, 2)))]
    }
    if draw(st.booleans()):
        out["resource_policy"] = _doc(docs(principal=True))
    if draw(st.booleans()):
        out["permission_boundary"] = _doc(docs())
    if draw(st.booleans()):
        out["session_policy"] = _doc(docs())
    if draw(st.booleans()):
        out["scps"] = [[_doc(docs(min_size=1))] for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        out["rcps"] = [[_doc(docs(principal=True))]]
    out["principal_is_management_account"] = draw(st.booleans()) and draw(st.booleans())
    out["resource_account"] = draw(st.sampled_from([None, ACCT]))
    return out


@st.composite
def requests(draw: st.DrawFn) -> Request:
    return Request(
        draw(st.sampled_from(PRINCIPALS)),
        draw(st.sampled_from(ACTIONS)),
        draw(st.sampled_from(RESOURCES)),
        draw(st.sampled_from(CONTEXTS)),
        clock=clock,
    )


def _build(raw: dict[str, Any]) -> PolicySet:
    def one(d: dict[str, Any] | None) -> Any:
        return None if d is None else parse_policy(d)

    def levels(value: list[list[dict[str, Any]]] | None) -> Any:
        return None if value is None else [[parse_policy(p) for p in lvl] for lvl in value]

    return PolicySet(
        identity_policies=[parse_policy(p) for p in raw["identity_policies"]],
        resource_policy=one(raw.get("resource_policy")),
        permission_boundary=one(raw.get("permission_boundary")),
        session_policy=one(raw.get("session_policy")),
        scps=levels(raw.get("scps")),
        rcps=levels(raw.get("rcps")),
        principal_is_management_account=raw["principal_is_management_account"],
        resource_account=raw["resource_account"],
    )


def _decide(raw: dict[str, Any], request: Request) -> str:
    policies = _build(raw)
    fast = evaluate(request, policies, explain=False).decision
    explained = evaluate(request, policies, explain=True).decision
    assert fast == explained
    return fast


def _targets(raw: dict[str, Any]) -> list[tuple[list[dict[str, Any]], bool]]:
    """Every existing policy's statement list, with whether it needs a Principal."""
    out = [(p["Statement"], False) for p in raw["identity_policies"]]
    for key in ("permission_boundary", "session_policy"):
        if key in raw:
            out.append((raw[key]["Statement"], False))
    if "resource_policy" in raw:
        out.append((raw["resource_policy"]["Statement"], True))
    for key in ("scps", "rcps"):
        for level in raw.get(key) or []:
            out.extend((p["Statement"], key == "rcps") for p in level)
    return out


@SETTINGS
@given(policy_sets(), requests(), st.data())
def test_adding_a_deny_never_allows(
    raw: dict[str, Any], request: Request, data: st.DataObject
) -> None:
    """Policy evaluation logic: an explicit Deny can only take permissions away."""
    before = _decide(raw, request)
    targets = _targets(raw)
    if not targets:
        return
    stmts, principal = data.draw(st.sampled_from(targets))
    stmts.append(data.draw(statements("Deny", principal)))
    after = _decide(raw, request)
    if before != "allowed":
        assert after != "allowed"
    if before == "explicit_deny":
        assert after == "explicit_deny"


@SETTINGS
@given(policy_sets(), requests(), st.data())
def test_adding_an_allow_never_denies(
    raw: dict[str, Any], request: Request, data: st.DataObject
) -> None:
    """Policy evaluation logic: an Allow statement can only add permissions."""
    before = _decide(raw, request)
    targets = _targets(raw)
    if not targets:
        return
    stmts, principal = data.draw(st.sampled_from(targets))
    stmts.append(data.draw(statements("Allow", principal)))
    after = _decide(raw, request)
    if before == "allowed":
        assert after == "allowed"
    if after == "explicit_deny":
        assert before == "explicit_deny"


@SETTINGS
@given(policy_sets(), requests(), st.randoms(use_true_random=False))
def test_order_does_not_matter(raw: dict[str, Any], request: Request, rnd: Any) -> None:
    """Policy evaluation logic: statements and policies are evaluated as a set."""
    before = _decide(raw, request)
    for stmts, _ in _targets(raw):
        rnd.shuffle(stmts)
    rnd.shuffle(raw["identity_policies"])
    assert _decide(raw, request) == before


@SETTINGS
@given(policy_sets(), st.lists(requests(), min_size=2, max_size=12))
def test_one_compiled_set_answers_a_stream_of_requests_like_fresh_evaluations(
    raw: dict[str, Any], stream: list[Request]
) -> None:
    """A compiled set narrows its plans per (action, principal, resource, layers taking
    part) and caches them: asked the same question with another context, or another
    question after it, it must still answer as a fresh evaluation does."""
    compiled = compile_policy_set(_build(raw))
    for request in stream + stream[::-1]:
        assert compiled.decide(request) == _decide(raw, request), request
