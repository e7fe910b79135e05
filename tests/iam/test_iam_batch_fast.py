"""The one-pass batch path (``cloudwarden.iam.batch_fast``) against the reference path.

``run_batch`` decides a line whose policies are new with ``decide_fast``, which works on
the decoded JSON directly. Whatever it decides must be what the reference path
(``decide_line``: parse, compile, ``fast_decide``) decides, and every line the reference
path rejects must be declined (``None``), so that its located error is reported as
before. Lines are generated from a fixed seed over every policy type, element form and
condition operator family; malformed lines are made by mutating them.
"""

from __future__ import annotations

import copy
import io
import json
import random
from typing import Any

import orjson
import pytest
from iam_helpers import (
    ACCT,
    FED_USER,
    OTHER,
    OTHER_SESSION,
    OTHER_USER,
    ROLE,
    ROOT,
    SESSION,
    SLR_SESSION,
    USER,
    clock,
)

from cloudwarden.iam import run_batch
from cloudwarden.iam.batch import BatchLineError, decide_line
from cloudwarden.iam.batch_fast import _resource_ok, decide_fast
from cloudwarden.iam.compiled import CompiledStatement
from cloudwarden.iam.policy import Statement
from cloudwarden.iam.request import Request, RequestContext

Json = dict[str, Any]

PRINCIPALS = [USER, ROLE, SESSION, FED_USER, ROOT, OTHER_USER, OTHER_SESSION, SLR_SESSION,
              "cloudtrail.amazonaws.com", "anonymous", "accounts.google.com"]  # fmt: skip
REQUESTS = [
    ("s3:GetObject", "arn:aws:s3:::b/alice/k"),
    ("s3:PutObject", "arn:aws:s3:::b/blue/k:1"),
    ("s3:ListBucket", "arn:aws:s3:::b"),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:q1"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{OTHER}:key/k1"),
    ("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/app"),
    ("iam:CreateUser", f"arn:aws:iam::{ACCT}:user/x"),
    ("ec2:RunInstances", "*"),
]
ACTIONS = ["*", "s3:*", "s3:Get*", "S3:getobject", "s3:?etObject", "*:Send*", "kms:*",
           "sts:AssumeRole", "iam:*", "ec2:Run*", "s3:Put*", "sqs:*"]  # fmt: skip
RESOURCES = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}/*",
             "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*", "arn:aws:s3:::*",
             "arn:aws:s3:::b/${*}", f"arn:aws:sqs:*:{ACCT}:q*", "arn:aws:sqs:us-?ast-1:*:q1",
             "arn:aws:kms:*:*:key/*", f"arn:aws:iam::{ACCT}:role/*", "arn:aws:s3:::b",
             "arn:*:s3:::b/*:1", "arn:aws:s3:::b/${aws:nokey}", "arn:aws:*"]  # fmt: skip
PRINCIPAL_ELEMENTS: list[Any] = [
    "*", {"AWS": ACCT}, {"AWS": USER}, {"AWS": ROLE}, {"AWS": SESSION}, {"AWS": [OTHER, USER]},
    {"AWS": "*"}, {"AWS": f"arn:aws:iam::{OTHER}:root"}, {"Service": "cloudtrail.amazonaws.com"},
    {"Federated": "accounts.google.com"}, {"AWS": [ACCT, ROLE], "Service": "s3.amazonaws.com"},
]  # fmt: skip
CONDITIONS: list[Json] = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"Bool": {"aws:SecureTransport": True}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
    {"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}},
    {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "pub?"]}},
    {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["env*"]}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
    {"StringNotLike": {"aws:userid": "AIDA*"}},
    {"NumericLessThan": {"s3:max-keys": "10"}},
    {"NumericGreaterThanEquals": {"s3:max-keys": 5}},
    {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    {"DateLessThan": {"aws:EpochTime": "1700000000"}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
    {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/*"}},
    {"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:t"}},
    {"Null": {"aws:PrincipalTag/team": "true"}},
    {"Null": {"aws:SourceIp": "false"}},
    {"BinaryEquals": {"k:bin": "QUJD"}},
    {"StringEquals": {"aws:RequestedRegion": "us-east-1"}, "Bool": {"aws:SecureTransport": 1}},
    {"StringEquals": {"aws:ResourceAccount": ACCT, "aws:PrincipalAccount": ACCT}},
]  # fmt: skip
CONTEXTS: list[Json] = [
    {},
    {"aws:SecureTransport": "true", "aws:PrincipalTag/team": "blue", "aws:SourceIp": "10.1.2.3"},
    {"aws:SecureTransport": "false", "aws:PrincipalOrgID": "o-2", "aws:TagKeys": ["env", "x"],
     "s3:max-keys": 7, "aws:SourceIp": "192.0.2.9", "k:bin": "QUJD"},
    {"aws:MultiFactorAuthPresent": False, "s3:prefix": "home/alice/x", "aws:TagKeys": [],
     "aws:PrincipalTag/team": "alice", "aws:userid": "AIDAX"},
    {"aws:username": "blue", "aws:SourceArn": "arn:aws:sns:us-east-1:1:t", "aws:TagKeys": ["env"]},
]  # fmt: skip


def _one_or_list(rng: random.Random, items: list[Any]) -> Any:
    if rng.random() < 0.5:
        return rng.choice(items)
    return rng.sample(items, rng.randint(1, 3))


def _statement(rng: random.Random, principal: bool) -> Json:
    out: Json = {"Effect": rng.choice(["Allow", "Allow", "Deny"])}
    if rng.random() < 0.3:
        out["Sid"] = rng.choice(["S1", None])
    out["NotAction" if rng.random() < 0.15 else "Action"] = _one_or_list(rng, ACTIONS)
    roll = rng.random()
    if roll < 0.8:
        out["Resource"] = _one_or_list(rng, RESOURCES)
    elif roll < 0.92:
        out["NotResource"] = _one_or_list(rng, RESOURCES)
    if principal or rng.random() < 0.05:
        if rng.random() < 0.85:
            out["Principal"] = rng.choice(PRINCIPAL_ELEMENTS)
        else:
            out["NotPrincipal"] = rng.choice(PRINCIPAL_ELEMENTS[1:])
    if rng.random() < 0.45:
        block: Json = {}
        for _ in range(rng.randint(1, 2)):
            block.update(rng.choice(CONDITIONS))
        out["Condition"] = block
    return out


def _policy(rng: random.Random, principal: bool = False) -> Any:
    statements = [_statement(rng, principal) for _ in range(rng.randint(1, 4))]
    doc: Json = {"Statement": statements if len(statements) > 1 or rng.random() < 0.7
                 else statements[0]}  # fmt: skip
    version = rng.choice(["2012-10-17", "2012-10-17", "2008-10-17", None])
    if version is not None:
        doc["Version"] = version
    if rng.random() < 0.1:
        doc["Id"] = "p1"
    return json.dumps(doc) if rng.random() < 0.1 else doc


def _levels(rng: random.Random, principal: bool) -> list[list[Any]]:
    full = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*",
                                                   "Resource": "*"}}  # fmt: skip
    return [
        [full] * (rng.random() < 0.7) + [_policy(rng, principal) for _ in range(rng.randint(0, 2))]
        for _ in range(rng.randint(0, 3))
    ]


def make_line(rng: random.Random, index: int) -> Json:
    action, resource = rng.choice(REQUESTS)
    line: Json = {
        "id": f"c{index}",
        "principal": rng.choice(PRINCIPALS),
        "action": action,
        "resource": resource,
        "context": rng.choice(CONTEXTS),
        "identity_policies": [_policy(rng) for _ in range(rng.randint(0, 3))],
    }
    if rng.random() < 0.5:
        line["resource_policy"] = _policy(rng, principal=True)
    if rng.random() < 0.3:
        line["permission_boundary"] = _policy(rng)
    if rng.random() < 0.25:
        line["session_policy"] = _policy(rng)
    if rng.random() < 0.5:
        line["scps"] = _levels(rng, principal=False)
    if rng.random() < 0.4:
        line["rcps"] = _levels(rng, principal=True)
    if rng.random() < 0.3:
        line["resource_account"] = rng.choice([ACCT, OTHER])
    if rng.random() < 0.1:
        line["principal_is_management_account"] = rng.random() < 0.5
    if rng.random() < 0.1:
        line["resource_is_management_account"] = rng.random() < 0.5
    if rng.random() < 0.1:
        del line["resource"]
    return line


def _reference(line: Json) -> str:
    try:
        return str(decide_line(line, clock=clock)["decision"])
    except BatchLineError:
        return "error"


def _decoded(line: Json) -> Json:
    decoded: Json = orjson.loads(orjson.dumps(line))
    return decoded


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_decides_valid_lines_as_the_reference_path(seed: int) -> None:
    rng = random.Random(seed)
    declined = 0
    for i in range(1500):
        line = _decoded(make_line(rng, i))
        expected = _reference(line)
        assert expected != "error", line
        found = decide_fast(line, clock)
        declined += found is None
        assert found in (None, expected), line
    assert declined == 0


JUNK: list[Any] = [None, 0, 1.5, True, "", "x", "*", [], {}, ["a", 1], [""], [None], [[]],
                   {"Foo": 1}, "s3", "2012-10-17", "2008-10-17", "Allow", "Deny", {"AWS": ""},
                   {"AWS": []}, {"StringEquals": {"k": {"a": 1}}}, {"NumericEquals": {"k": "x"}},
                   {"IpAddress": {"aws:SourceIp": "nope"}}, {"Null": {"k": "maybe"}},
                   {"NullIfExists": {"k": "true"}}, {"Bogus": {"k": "v"}}, {"Foo:StringEquals":
                   {"k": "v"}}, {"DateEquals": {"k": "never"}}, {"BinaryEquals": {"k": "@@"}},
                   {"Service": "s3.amazonaws.com"}, "${aws:username}"]  # fmt: skip
KEYS = ["Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
        "Condition", "Sid", "Version", "Id", "Statement", "Bogus", "principal", "action",
        "resource", "context", "scps", "rcps", "identity_policies", "resource_policy",
        "permission_boundary", "session_policy", "resource_account", "scp",
        "principal_is_management_account", "resource_is_management_account"]  # fmt: skip


def _containers(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, dict):
        out.append(value)
        for item in value.values():
            _containers(item, out)
    elif isinstance(value, list):
        out.append(value)
        for item in value:
            _containers(item, out)
    return out


def _mutate(rng: random.Random, line: Json) -> Json:
    line = copy.deepcopy(line)
    for _ in range(rng.choice([1, 1, 2])):
        target = rng.choice(_containers(line, [])[1:] or [line])
        junk = copy.deepcopy(rng.choice(JUNK))
        if isinstance(target, dict):
            if target and rng.random() < 0.4:
                target[rng.choice(list(target))] = junk
            elif target and rng.random() < 0.3:
                del target[rng.choice(list(target))]
            else:
                target[rng.choice(KEYS)] = junk
        elif target and rng.random() < 0.6:
            target[rng.randrange(len(target))] = junk
        else:
            target.append(junk)
    return line


@pytest.mark.parametrize("seed", [4, 5])
def test_fast_path_declines_every_line_the_reference_path_rejects(seed: int) -> None:
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    for i in range(2500):
        line = _decoded(_mutate(rng, make_line(rng, i)))
        expected = _reference(line)  # a located error or a decision, never a crash
        found = decide_fast(line, clock)
        if expected == "error":
            assert found is None, line
        else:
            assert found in (None, expected), line
        outcomes[expected] = outcomes.get(expected, 0) + 1
    assert outcomes.get("error", 0) > 500
    assert sum(v for k, v in outcomes.items() if k != "error") > 250


def test_run_batch_matches_the_reference_path_line_by_line() -> None:
    """More than 512 new policy sets in a row (after which lines are only sometimes
    looked up among earlier ones), then repeated sets, and bad lines in between."""
    rng = random.Random(9)
    fresh = [make_line(rng, i) for i in range(600)]
    lines = fresh + [dict(rng.choice(fresh), id=f"r{i}") for i in range(400)]
    lines[700] = _mutate(random.Random(1), {**lines[700], "scps": [["not a policy"]]})
    texts = [json.dumps(line) for line in lines]
    out = io.StringIO()
    errors = run_batch(texts, out, clock=clock)
    results = [json.loads(text) for text in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == [line["id"] for line in lines]
    expected = [_reference(_decoded(line)) for line in lines]
    assert [r.get("decision", "error") for r in results] == expected
    assert errors == expected.count("error") >= 1


def test_a_bad_scp_is_reported_after_a_good_one_was_remembered() -> None:
    good = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                    "Resource": "*"}]}  # fmt: skip
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                   "Resource": "*", "Condition":
                                                   {"NumericEquals": {"k": "ten"}}}]}  # fmt: skip
    base = {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    texts = [json.dumps({"id": "a", **base, "scps": [[good]]}),
             json.dumps({"id": "b", **base, "scps": [[good], [good, bad]]}),
             json.dumps({"id": "c", **base, "rcps": [[good, "{"]]})]  # fmt: skip
    out = io.StringIO()
    assert run_batch(texts, out, clock=clock) == 2
    results = [json.loads(text) for text in out.getvalue().splitlines()]
    assert results[0] == {"id": "a", "decision": "implicit_deny"}
    assert results[1]["id"] == "b"
    assert "scps[1][1].Statement[0].Condition.NumericEquals.k" in results[1]["error"]
    assert results[2]["id"] == "c"
    assert "rcps[0][1]" in results[2]["error"]


def test_resource_matching_agrees_with_the_compiled_statement() -> None:
    rng = random.Random(3)
    atoms = ["arn", "aws", "s3", ":", ":", ":", "*", "?", "a", "b", "/", "${aws:username}",
             "${aws:x, 'd'}", "${*}", "${?}", "${$}", "${aws:list}", "${missing}", "${", "}",
             "x:y", "::", "u9"]  # fmt: skip
    values = ["u9", "a*b", "x:y", "?", "", "a"]

    def pattern() -> str:
        head = "arn:aws:s3:" if rng.random() < 0.5 else ""
        return head + "".join(rng.choice(atoms) for _ in range(rng.randrange(1, 8)))

    for _ in range(10000):
        patterns = tuple(pattern() for _ in range(rng.choice([1, 1, 2, 3])))
        negated = rng.random() < 0.3
        variables = rng.random() < 0.8
        resource = rng.choice([pattern(), "arn:aws:s3:::b/u9/k", "arn:aws:s3:a:b:c:d:e",
                               "arn:aws:s3:::x/" + rng.choice(values), "*"])  # fmt: skip
        context: Json = {"aws:username": rng.choice(values), "aws:x": rng.choice(values)}
        if rng.random() < 0.3:
            context["aws:list"] = [rng.choice(values)] * rng.randrange(0, 3)
        if rng.random() < 0.2:
            del context["aws:username"]
        ctx = RequestContext(Request(USER, "s3:GetObject", resource, context), None)
        statement = Statement(
            "Allow",
            actions=("s3:*",),
            resources=None if negated else patterns,
            not_resources=patterns if negated else None,
            variables=variables,
        )
        expected = CompiledStatement.build(statement, 0, None).resource_ok(ctx)
        if not negated and "*" in patterns:
            continue  # the scan marks such a statement as matching every resource
        value: Any = patterns[0] if len(patterns) == 1 else list(patterns)
        assert _resource_ok(value, negated, variables, resource, ctx.get) == expected, (
            patterns, negated, variables, resource, context,
        )  # fmt: skip


def test_scps_and_rcps_with_the_same_text_stay_apart() -> None:
    """The management account's principals are not subject to SCPs, but the resource's
    RCPs still apply; both lists are the same text here."""
    levels = [[{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*",
                                                       "Action": "*", "Resource": "*"}}]]  # fmt: skip
    line = _decoded({
        "id": "m", "principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
        "identity_policies": [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
        "scps": levels, "rcps": levels, "principal_is_management_account": True,
        "resource_is_management_account": False,
    })  # fmt: skip
    for _ in range(2):  # the second time from the caches
        assert decide_fast(line, clock) == _reference(line) == "explicit_deny"
