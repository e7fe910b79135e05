"""The batch SQL engine agrees with the reference evaluator, pair for pair."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.rules import (
    And,
    Expr,
    Keyword,
    Match,
    Not,
    Or,
    Rule,
    builtin_sigma_rules,
    compile_rule,
)
from cloudwarden.detect.sources.model import Event

duckdb = pytest.importorskip("duckdb")

GOLDEN = Path(__file__).parent / "golden" / "three_rules.sql"


def _leaves(e: Expr) -> list[Match]:
    if isinstance(e, And | Or):
        return [m for a in e.args for m in _leaves(a)]
    if isinstance(e, Not):
        return _leaves(e.arg)
    if isinstance(e, Keyword):
        return []
    return [e]


def _set(rec: dict[str, Any], path: str, value: Any, rng: random.Random) -> None:
    parts = path.split(".")
    cur: Any = rec
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict | list):
            nxt = {}
            if rng.random() < 0.15:  # a list on the way: any element may match
                cur[p] = [{"noise": 1}, nxt]
            else:
                cur[p] = nxt
        elif isinstance(nxt, list):
            nxt = nxt[-1]
        cur = nxt
    cur[parts[-1]] = value


def _vary(s: str, rng: random.Random) -> str:
    r = rng.random()
    return s.upper() if r < 0.1 else s.lower() if r < 0.2 else s


def _value_for(m: Match, rng: random.Random) -> Any:
    v = str(rng.choice(m.values)) if m.values else "x"
    if m.op == "equals":
        if rng.random() < 0.05:
            return ["other", _vary(v, rng)]
        return _vary(v, rng) if rng.random() < 0.9 else v + "x"
    if m.op == "contains":
        return "pre " + _vary(v, rng) + " post"
    if m.op == "startswith":
        return _vary(v, rng) + "Suffix"
    if m.op == "endswith":
        return "Prefix" + v
    if m.op == "wildcard":
        return rng.choice(["", "anything", {"k": "v"}, None, 5])
    if m.op == "re":
        return rng.choice(["arn:aws:sts::1:assumed-role/aws:x/y", "arn:aws:iam::1:user/bob"])
    return rng.choice(["value", None, True, 3])


def generate(rules: list[Rule], n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    leaves = [_leaves(r.detection) for r in rules]
    names = ["DescribeInstances", "GetObject", "ListBuckets", "AssumeRole", "PutObject"]
    sources = ["ec2.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com"]
    types = ["IAMUser", "AssumedRole", "Root", "AWSService", "FederatedUser"]
    errors = ["AccessDenied", "Client.UnauthorizedOperation", None]
    out: list[dict[str, Any]] = []
    for i in range(n):
        rec: dict[str, Any] = {
            "eventVersion": "1.08",
            "eventTime": "2024-05-01T12:00:00Z",
            "eventID": f"ev-{i:07d}",
            "eventSource": rng.choice(sources),
            "eventName": rng.choice(names),
            "awsRegion": rng.choice(["us-east-1", "eu-west-1"]),
            "sourceIPAddress": rng.choice(["203.0.113.9", "10.0.0.1", "ec2.amazonaws.com"]),
            "userAgent": rng.choice(["aws-cli/2.0", "console.amazonaws.com", "Boto3/1.2"]),
            "userIdentity": {
                "type": rng.choice(types),
                "arn": rng.choice(["arn:aws:iam::1:user/bob", "arn:aws:sts::1:assumed-role/r/s"]),
                "accountId": "111122223333",
            },
            "readOnly": rng.random() < 0.5,
            "requestParameters": rng.choice([None, {"bucketName": "b"}, {"userName": "bob"}]),
            "responseElements": None,
        }
        err = rng.choice(errors)
        if err:
            rec["errorCode"] = err
            rec["errorMessage"] = "denied"
        if rng.random() < 0.8:  # aim at one rule's conditions
            for m in leaves[rng.randrange(len(leaves))]:
                if m.op == "null":
                    if rng.random() < 0.6:
                        rec.pop(m.field, None)
                    continue
                if rng.random() < 0.85:
                    _set(rec, m.field, _value_for(m, rng), rng)
                if m.op == "fieldref" and rng.random() < 0.5:
                    _set(rec, str(m.values[0]), "bob", rng)
                    _set(rec, m.field, "BOB", rng)
        if rng.random() < 0.05:
            rec.pop("userIdentity")
        if rng.random() < 0.03:
            rec["eventName"] = ["ConsoleLogin", "GetObject"]
        out.append(rec)
    return out


def _events(records: list[dict[str, Any]]) -> list[Event]:
    t = datetime(2024, 5, 1, tzinfo=UTC)
    return [Event("cloudtrail", t, str(r["eventID"]), {}, r) for r in records]


def _reference(rules: list[Rule], records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    preds = [(r.id, compile_rule(r)) for r in rules]
    return sorted((rid, str(rec["eventID"])) for rec in records for rid, p in preds if p(rec))


HAND: list[dict[str, Any]] = [
    {  # console login without MFA, log says "No"
        "eventID": "hand-1",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "additionalEventData": {"MFAUsed": "No"},
        "responseElements": {"ConsoleLogin": "Success"},
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/a"},
    },
    {  # CloudTrail stopped
        "eventID": "hand-2",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "userIdentity": {"type": "IAMUser"},
    },
    {  # GuardDuty detector deleted, with an error code (a `not errorCode` case)
        "eventID": "hand-3",
        "eventSource": "guardduty.amazonaws.com",
        "eventName": "DeleteDetector",
        "errorCode": "AccessDenied",
    },
    {  # bucket versioning suspended (requestParameters compared as JSON text)
        "eventID": "hand-4",
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketVersioning",
        "requestParameters": {"VersioningConfiguration": {"Status": "Suspended"}},
    },
    {  # ECS task definition reading container credentials, commands in a list
        "eventID": "hand-5",
        "eventSource": "ecs.amazonaws.com",
        "eventName": "RegisterTaskDefinition",
        "requestParameters": {
            "containerDefinitions": [
                {
                    "command": [
                        "sh",
                        "-c",
                        "curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    ]
                }
            ]
        },
    },
    {  # instance credentials used from outside AWS
        "eventID": "hand-6",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0",
        },
    },
    {  # VM export task without any error (errorCode / errorMessage missing)
        "eventID": "hand-7",
        "eventSource": "ec2.amazonaws.com",
        "eventName": "CreateInstanceExportTask",
        "responseElements": {"exportTask": {"state": "active"}},
    },
    {  # S3 Browser's templated bucket policy (requestParameters compared as JSON text)
        "eventID": "hand-8",
        "eventSource": "iam.amazonaws.com",
        "eventName": "PutUserPolicy",
        "userAgent": "S3 Browser 9.5.5",
        "requestParameters": {
            "policyDocument": {
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject"]},
                    {"Resource": "arn:aws:s3:::<YOUR-BUCKET-NAME>/*"},
                ]
            }
        },
    },
]


@pytest.fixture(scope="module")
def sigma_rules() -> list[Rule]:
    return list(builtin_sigma_rules().rules)


def test_differential_over_sigma_set(sigma_rules: list[Rule]) -> None:
    records = generate(sigma_rules, 4000) + HAND
    engine = SqlEngine(sigma_rules)
    assert engine.unsupported == {}, engine.unsupported
    got = engine.run(_events(records))
    want = _reference(sigma_rules, records)
    assert got == want
    assert {r for r, _ in want} == {r.id for r in sigma_rules}  # every rule fires somewhere
    hits = {e for _, e in want}
    assert {f"hand-{i}" for i in (1, 2, 4, 5, 6, 7, 8)} <= hits


@pytest.mark.parametrize(
    ("match", "record", "expected"),
    [
        (Match("eventName", "equals", ("consolelogin",)), {"eventName": "ConsoleLogin"}, True),
        (
            Match("eventName", "equals", ("consolelogin",), cased=True),
            {"eventName": "ConsoleLogin"},
            False,
        ),
        (Match("a.b", "equals", ("x",)), {"a": [{"b": "y"}, {"b": "X"}]}, True),
        (Match("a.b", "equals", ("x",)), {"a.b": "x", "a": {"b": "z"}}, True),
        (Match("a.b", "equals", ("z",)), {"a.b": "x", "a": {"b": "z"}}, False),
        (Match("a", "equals", ("1",)), {"a": 1}, True),
        (Match("a", "equals", ("true",)), {"a": True}, True),
        (Match("a", "wildcard", ("50%_*",)), {"a": "50%_off"}, True),
        (Match("a", "wildcard", ("50%_*",)), {"a": "50xxoff"}, False),
        (Match("a", "contains", ("\\",)), {"a": "x\\y"}, True),
        (Match("a", "startswith", ("o'b",)), {"a": "O'Brien"}, True),
        (Match("a", "re", ("^ab+c",), regex_flags="i"), {"a": "ABBC"}, True),
        (Match("a", "re", ("^ab+c",)), {"a": "ABBC"}, False),
        (Match("sourceIPAddress", "cidr", ("10.0.0.0/8",)), {"sourceIPAddress": "10.2.3.4"}, True),
        (Match("sourceIPAddress", "cidr", ("10.0.0.0/8",)), {"sourceIPAddress": "11.2.3.4"}, False),
        (
            Match("sourceIPAddress", "cidr", ("10.0.0.0/8",)),
            {"sourceIPAddress": "010.2.3.4"},
            False,
        ),
        (
            Match("sourceIPAddress", "cidr", ("10.0.0.0/8",)),
            {"sourceIPAddress": "x.amazonaws.com"},
            False,
        ),
        (Match("a", "gt", (5,)), {"a": "7"}, True),
        (Match("a", "gt", (5,)), {"a": "seven"}, False),
        (Match("errorCode", "null"), {"errorCode": None}, True),
        (Match("errorCode", "exists", (True,)), {}, False),
        (Match("eventName", "equals", ("b",)), {"eventName": ["a", "B"]}, True),
        (Match("a", "equals", ('{"k":"v"}',)), {"a": {"k": "v"}}, True),
    ],
)
def test_leaf_semantics(match: Match, record: dict[str, Any], expected: bool) -> None:
    rec = {"eventID": "e1", **record}
    for expr, want in ((match, expected), (Not(match), not expected)):
        rule = Rule(id="r", title="t", detection=expr)
        assert compile_rule(rule)(rec) is want
        got = SqlEngine([rule]).run(_events([rec]))
        assert got == ([("r", "e1")] if want else []), SqlEngine([rule]).compile()


def test_not_holds_when_field_missing() -> None:
    rule = Rule(
        id="r",
        title="t",
        detection=And(
            (
                Match("eventName", "equals", ("DeleteTrail",)),
                Not(Match("userIdentity.type", "equals", ("AWSService",))),
                Not(Match("requestParameters.x", "equals", ("y",))),
            )
        ),
    )
    rec = {"eventID": "e1", "eventName": "DeleteTrail"}
    assert SqlEngine([rule]).run(_events([rec])) == [("r", "e1")]


def test_keywords_reported_unsupported() -> None:
    rule = Rule(id="k", title="t", detection=Keyword(("evil",)))
    engine = SqlEngine([rule])
    assert "keywords" in engine.unsupported["k"]
    assert "'k'" not in engine.compile()


def test_golden_sql(sigma_rules: list[Rule]) -> None:
    """Three representative rules: a regex + NOT, a `not errorCode` (missing field), a JSON-text
    ``contains|all`` over a non-promoted field."""
    by_title = {r.title: r for r in sigma_rules}
    picks = [
        by_title["Malicious Usage Of IMDS Credentials Outside Of AWS Infrastructure"],
        by_title["AWS EC2 VM Export Failure"],
        by_title["AWS IAM S3Browser Templated S3 Bucket Policy Creation"],
    ]
    sql = SqlEngine(picks).compile() + "\n"
    if os.environ.get("CLOUDWARDEN_UPDATE_GOLDEN"):  # regenerate deliberately, then review
        GOLDEN.write_text(sql)
    assert sql == GOLDEN.read_text()
