"""Streaming engine: index extraction, and a differential test against the reference evaluator.

The differential test runs every packaged SigmaHQ rule over a generated CloudTrail corpus
(event names the rules mention plus noise, case variants, odd field shapes, the
``requestParameters`` / ``responseElements`` paths the rules look at) and hand-written
positives, and requires the indexed engine to return exactly the (rule, event) pairs of the
naive loop "every rule, every event" with :func:`compile_rule`.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.engines.stream import (
    IndexKey,
    RuleHit,
    StreamEngine,
    field_text,
    guard_of,
    index_keys,
    text_extractor,
)
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

SIGMA: tuple[Rule, ...] = builtin_sigma_rules().rules
BY_STEM: dict[str, Rule] = {Path(r.source_path).stem: r for r in SIGMA}

# ---- index extraction -------------------------------------------------------------------


def src(*values: str, **kw: Any) -> Match:
    return Match("eventSource", "equals", values, **kw)


def name(*values: str, **kw: Any) -> Match:
    return Match("eventName", "equals", values, **kw)


OTHER = Match("userIdentity.type", "equals", ("Root",))

INDEX_CASES: list[tuple[str, Expr, set[IndexKey] | None]] = [
    (
        "source and name",
        And((src("S3.amazonaws.com"), name("GetObject"))),
        {("s3.amazonaws.com", "getobject")},
    ),
    ("name only", And((name("ConsoleLogin"), OTHER)), {(None, "consolelogin")}),
    ("source only", And((src("lambda.amazonaws.com"), OTHER)), {("lambda.amazonaws.com", None)}),
    ("bare match", name("A"), {(None, "a")}),
    (
        "value list",
        And((src("ec2.amazonaws.com"), name("A", "B"))),
        {("ec2.amazonaws.com", "a"), ("ec2.amazonaws.com", "b")},
    ),
    (
        "two sources x two names",
        And((src("x", "y"), name("A", "B"))),
        {("x", "a"), ("x", "b"), ("y", "a"), ("y", "b")},
    ),
    (
        "or of restricted branches",
        Or(
            (
                And((src("sts"), name("AssumeRoleWithSAML"))),
                And((src("iam"), name("UpdateSAMLProvider"))),
            )
        ),
        {("sts", "assumerolewithsaml"), ("iam", "updatesamlprovider")},
    ),
    ("or with one unrestricted branch", Or((name("A"), OTHER)), None),
    (
        "and over an or",
        And((src("gd"), Or((name("DeleteDetector"), And((name("UpdateDetector"), OTHER)))))),
        {("gd", "deletedetector"), ("gd", "updatedetector")},
    ),
    ("nested and intersects", And((name("A", "B"), And((name("B", "C"), OTHER)))), {(None, "b")}),
    ("contradiction: can never match", And((name("A"), name("B"))), set()),
    ("contradicting sources", And((src("a"), src("b"), name("X"))), set()),
    ("case-insensitive duplicates fold", name("GetObject", "getobject"), {(None, "getobject")}),
    ("cased equals still restricts", name("GetObject", cased=True), {(None, "getobject")}),
    ("not", Not(name("A")), None),
    ("and with a not: the not is ignored", And((name("A"), Not(src("b")))), {(None, "a")}),
    ("not under and restricts nothing alone", And((Not(name("A")), OTHER)), None),
    ("other field", OTHER, None),
    ("keyword", Keyword(("StopLogging",)), None),
    ("startswith on eventName", Match("eventName", "startswith", ("Update",)), None),
    ("wildcard on eventName", Match("eventName", "wildcard", ("Update*",)), None),
    ("contains on eventSource", Match("eventSource", "contains", ("iam",)), None),
    ("re on eventName", Match("eventName", "re", ("^Stop",)), None),
    ("all-linked values", Match("eventName", "equals", ("A", "B"), all=True), None),
    ("non-string value", Match("eventName", "equals", (1,)), None),
    ("null", Match("eventName", "null"), None),
    ("exists", Match("eventName", "exists", (True,)), None),
    ("fieldref", Match("eventName", "fieldref", ("requestParameters.x",)), None),
    ("dotted field with the same leaf", Match("x.eventName", "equals", ("A",)), None),
    ("empty or restricts to nothing", Or(()), set()),
    ("empty and restricts nothing", And(()), None),
]


@pytest.mark.parametrize(
    ("label", "expr", "expected"), INDEX_CASES, ids=[c[0] for c in INDEX_CASES]
)
def test_index_keys(label: str, expr: Expr, expected: set[IndexKey] | None) -> None:
    got = index_keys(expr)
    assert (None if got is None else set(got)) == expected


def test_packaged_rules_index_shape() -> None:
    engine = StreamEngine(SIGMA)
    always = {Path(r.source_path).stem for r in engine.always}
    assert always == {
        "aws_cloudtrail_imds_malicious_usage",
        "aws_cloudtrail_pua_trufflehog",
        "aws_root_account_usage",
        "aws_sts_assumerole_misuse",
    }
    assert all(k for k in engine.keys if k is not None)  # no packaged rule is unsatisfiable
    lambda_layer = engine.keys[SIGMA.index(BY_STEM["aws_new_lambda_layer_attached"])]
    assert lambda_layer == frozenset(
        {("lambda.amazonaws.com", None)}
    )  # eventName|startswith: source only


def test_candidates_select_by_pair_source_name_and_always() -> None:
    rules = [
        Rule("pair", "pair", And((src("s3.amazonaws.com"), name("GetObject")))),
        Rule("source", "source", src("s3.amazonaws.com")),
        Rule("name", "name", name("GetObject")),
        Rule("always", "always", OTHER),
        Rule("never", "never", And((name("A"), name("B")))),
    ]
    engine = StreamEngine(rules)

    def ids(s: Any, n: Any) -> list[str]:
        return [r.id for r, _ in engine.candidates(s, n)]

    assert ids("S3.AMAZONAWS.COM", "getObject") == ["pair", "source", "name", "always"]
    assert ids("s3.amazonaws.com", "PutObject") == ["source", "always"]
    assert ids("ec2.amazonaws.com", "GetObject") == ["name", "always"]
    assert ids(None, "GetObject") == ["name", "always"]
    assert ids(None, None) == ["always"]
    # anything but a string or absent: every rule (the evaluator decides)
    assert ids(["s3.amazonaws.com"], "GetObject") == [r.id for r in rules]
    assert ids("s3.amazonaws.com", 7) == [r.id for r in rules]


def test_process_returns_hits_with_event_id_in_rule_order() -> None:
    rules = [
        Rule("a", "a", And((src("s3.amazonaws.com"), name("GetObject")))),
        Rule("b", "b", Match("userIdentity.type", "equals", ("root",))),
    ]
    engine = StreamEngine(rules)
    rec = {
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "eventID": "e-1",
        "userIdentity": {"type": "Root"},
    }
    hits = engine.process(rec)
    assert [(h.rule_id, h.event_id) for h in hits] == [("a", "e-1"), ("b", "e-1")]
    assert engine.process({**rec, "eventName": "PutObject"}) == [RuleHit(rules[1], "e-1")]
    assert engine.process({"eventID": "e-2"}) == []


def test_run_uses_raw_record_or_fields_and_event_key() -> None:
    engine = StreamEngine([Rule("r", "r", name("ConsoleLogin"))])
    t = datetime(2026, 11, 27, tzinfo=UTC)
    ct_event = Event("cloudtrail", t, "k1", {"eventName": "x"}, {"eventName": "ConsoleLogin"})
    text_event = Event("vpcflow", t, "k2", {"eventName": "consolelogin"}, "2 123 eni ...")
    miss = Event("cloudtrail", t, "k3", {"eventName": "ConsoleLogin"}, {"eventName": "Other"})
    hits = list(engine.run([ct_event, text_event, miss]))
    assert [(h.rule_id, h.event_id, h.event) for h in hits] == [
        ("r", "k1", ct_event),
        ("r", "k2", text_event),
    ]


def test_guard_of() -> None:
    assert guard_of(And((OTHER, Match("a.b", "equals", ("X", "y"))))) == (
        ("userIdentity.type", frozenset({"root"})),
        ("a.b", frozenset({"x", "y"})),
    )
    assert guard_of(OTHER) == (("userIdentity.type", frozenset({"root"})),)
    for unguarded in (
        Match("f", "equals", ("X",), cased=True),
        Match("f", "equals", ("X", "Y"), all=True),
        Match("f", "equals", (1,)),
        Match("f", "contains", ("X",)),
        Not(OTHER),
        Or((OTHER, name("A"))),
    ):
        assert guard_of(unguarded) == ()


GUARD_RECORDS: list[dict[str, Any]] = [
    {"userIdentity": {"type": "Root"}},
    {"userIdentity": {"type": "ROOT"}},
    {"userIdentity": {"type": "IAMUser"}},
    {"userIdentity": {"type": None}},
    {"userIdentity": {}},
    {},
    {"userIdentity": None},
    {"userIdentity": "Root"},
    {"userIdentity.type": "Root"},  # a literal dotted key wins in the evaluator
    {"userIdentity.type": "IAMUser", "userIdentity": {"type": "Root"}},
    {"userIdentity": [{"type": "IAMUser"}, {"type": "Root"}]},
    {"userIdentity": {"type": ["IAMUser", "root"]}},
    {"userIdentity": {"type": 1}},
    {"userIdentity": {"type": {"x": "Root"}}},
]


@pytest.mark.parametrize("record", GUARD_RECORDS, ids=[repr(r) for r in GUARD_RECORDS])
def test_guarded_always_rules_agree_with_the_evaluator(record: dict[str, Any]) -> None:
    rules = (
        Rule("root", "root", And((OTHER, Not(Match("eventType", "equals", ("AwsServiceEvent",)))))),
        Rule("one", "one", Match("userIdentity.type", "equals", ("1",))),
    )
    record = {**record, "eventID": "e"}
    assert indexed(rules, [record]) == naive(rules, [record])


@pytest.mark.parametrize("record", GUARD_RECORDS, ids=[repr(r) for r in GUARD_RECORDS])
def test_two_guards_and_the_rest_agree_with_the_evaluator(record: dict[str, Any]) -> None:
    """A guarded rule whose guards pass on plain strings runs only its other conjuncts."""
    two = And(
        (
            OTHER,
            Match("userIdentity.arn", "equals", ("arn:x", "ARN:Y")),
            Match("sourceIPAddress", "startswith", ("10.",)),
        )
    )
    rules = (Rule("two", "two", two), Rule("only", "only", And((OTHER, OTHER))))
    variants = [
        {**record, "eventID": "e"},
        {**record, "eventID": "e", "userIdentity.arn": "arn:y", "sourceIPAddress": "10.1.2.3"},
        {**record, "eventID": "e", "sourceIPAddress": ["10.0.0.1"]},
    ]
    for variant in variants:
        if isinstance(variant.get("userIdentity"), dict):
            variant["userIdentity"] = {**variant["userIdentity"], "arn": "Arn:X"}
        assert indexed(rules, [variant]) == naive(rules, [variant])


EXTRACT_NAMES = (
    "eventName",
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "requestParameters.userName",
    "errorCode",
)


@pytest.mark.parametrize("record", GUARD_RECORDS, ids=[repr(r) for r in GUARD_RECORDS])
def test_text_extractor_is_field_text(record: dict[str, Any]) -> None:
    extract = text_extractor(EXTRACT_NAMES)
    assert extract(record) == {n: field_text(record, n) for n in EXTRACT_NAMES}


def test_text_extractor_is_field_text_on_odd_records() -> None:
    from cloudwarden.detect.corpus import generate_records
    from cloudwarden.detect.rules.ir import CONTEXT_FIELDS

    names = (*EXTRACT_NAMES, *CONTEXT_FIELDS)
    extract = text_extractor(names)
    records = [r for r in generate_records(3000, seed=5, odd_rate=0.3) if isinstance(r, dict)]
    records += [{"requestParameters": None, "userIdentity": {"type": None}}]
    records += [{"requestParameters.userName": "x", "requestParameters": {"userName": "y"}}]
    for record in records:
        assert extract(record) == {n: field_text(record, n) for n in names}


# ---- corpus generator -------------------------------------------------------------------

NOISE_SOURCES = (
    "dynamodb.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.amazonaws.com",
    "sqs.amazonaws.com",
    "ec2.amazonaws.com",
    "s3.amazonaws.com",
    "iam.amazonaws.com",
)
NOISE_NAMES = (
    "DescribeInstances",
    "GetObject",
    "PutObject",
    "ListRoles",
    "AssumeRole",
    "StartLogging",
    "CreateBucket",
    "Decrypt",
    "GetParameters",
)
USER_AGENTS = (
    "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
    "Boto3/1.34.0 Python/3.12.1",
    "console.amazonaws.com",
    "S3 Browser 11.5.7 https://s3browser.com",
    "TruffleHog",
    "trufflehog/3.63 Go-http-client",
    "Jersey/${project.version} (HttpUrlConnection 1.8)",
)


class Vocab:
    """What the rules mention: (source, name) pairs, and per field the values they compare with."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.pairs: list[tuple[str | None, str | None]] = []
        self.sources: set[str] = set()
        self.names: set[str] = set()
        self.fields: dict[str, list[tuple[str, Any]]] = {}
        self.by_rule: list[tuple[tuple[str | None, str | None], list[tuple[str, str, Any]]]] = []
        for rule in rules:
            before = {f: len(v) for f, v in self.fields.items()}
            self._walk(rule.detection)
            own = [
                (f, op, v) for f, vals in self.fields.items() for op, v in vals[before.get(f, 0) :]
            ]
            keys = index_keys(rule.detection)
            for s, n in sorted(keys or (), key=str):
                pair = (self._orig(s, self.sources), self._orig(n, self.names))
                self.pairs.append(pair)
                self.by_rule.append((pair, own))
        self.field_names = sorted(self.fields)

    @staticmethod
    def _orig(value: str | None, pool: set[str]) -> str | None:
        if value is None:
            return None
        return next((v for v in sorted(pool) if v.lower() == value), value)

    def _walk(self, e: Expr) -> None:
        if isinstance(e, And | Or):
            for a in e.args:
                self._walk(a)
        elif isinstance(e, Not):
            self._walk(e.arg)
        elif isinstance(e, Match):
            if e.field == "eventSource" and e.op == "equals":
                self.sources.update(str(v) for v in e.values)
            elif e.field == "eventName" and e.op == "equals":
                self.names.update(str(v) for v in e.values)
            else:
                self.fields.setdefault(e.field, []).extend((e.op, v) for v in e.values or (None,))


def _set_path(rec: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = rec
    for p in parts[:-1]:
        nxt = node.get(p)
        if isinstance(nxt, list) and nxt and isinstance(nxt[0], dict):
            nxt = nxt[0]
        elif not isinstance(nxt, dict):
            nxt = {}
            node[p] = nxt
        node = nxt
    node[parts[-1]] = value


def _variant(rng: random.Random, op: str, v: Any) -> Any:
    """A value near ``v``: equal, case-changed, decorated, a prefix, a number, or noise."""
    r = rng.random()
    if v is None or op in ("null", "exists"):
        return rng.choice([None, "x", "", 0])
    if not isinstance(v, str):
        return rng.choice([v, str(v), "1", True, False, 0])
    if op == "fieldref":
        return rng.choice(["alice", "bob", "arn:aws:iam::111122223333:user/alice"])
    if op == "re":
        return rng.choice(
            [
                "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc",
                "arn:aws:sts::111122223333:assumed-role/app/i-0abc",
            ]
        )
    if r < 0.35:
        return v
    if r < 0.5:
        return v.upper() if rng.random() < 0.5 else v.lower()
    if r < 0.65:
        return f"pre {v} post"
    if r < 0.75:
        return v[: max(1, len(v) // 2)]
    if r < 0.8:
        return {"status": v, "n": 1}
    if r < 0.85:
        return [v, "other"]
    return rng.choice(["noise", "Suspended", "true", "false", "NO", "No", "*", ""])


def _identity(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(
        ["Root", "IAMUser", "AssumedRole", "AssumedRole", "AWSService", "FederatedUser"]
    )
    acct = "111122223333"
    if kind == "Root":
        return {
            "type": "Root",
            "principalId": acct,
            "arn": f"arn:aws:iam::{acct}:root",
            "accountId": acct,
        }
    if kind == "IAMUser":
        user = rng.choice(["alice", "bob", "ci"])
        return {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": f"arn:aws:iam::{acct}:user/{user}",
            "accountId": acct,
            "userName": user,
            "accessKeyId": "AKIAEXAMPLE",
        }
    if kind == "AssumedRole":
        role = rng.choice(["app", "aws:ec2-instance", "Admin", "AWSReservedSSO_Admin"])
        ident: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:i-0abc",
            "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/i-0abc",
            "accountId": acct,
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {
                "sessionIssuer": {
                    "type": rng.choice(["Role", "Role", "role", "User"]),
                    "arn": f"arn:aws:iam::{acct}:role/{role}",
                    "userName": role,
                },
                "attributes": {
                    "mfaAuthenticated": rng.choice(["false", "true"]),
                    "creationDate": "2026-11-27T09:00:00Z",
                },
            },
        }
        if rng.random() < 0.2:
            del ident["sessionContext"]
        return ident
    if kind == "AWSService":
        return {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
    return {"type": "FederatedUser", "arn": f"arn:aws:sts::{acct}:federated-user/carol"}


def generate(
    n: int, seed: int = 7, rules: tuple[Rule, ...] = SIGMA, targeted: float = 0.45
) -> Iterator[dict[str, Any]]:
    """``n`` CloudTrail-shaped records, deterministic for a seed.

    A share ``targeted`` aims at one rule (its eventSource/eventName and fields near its
    values); a further 15% mixes names the rules mention; the rest is background noise.
    """
    rng = random.Random(seed)
    vocab = Vocab(rules)
    sources = sorted(vocab.sources)
    names = sorted(vocab.names)
    for i in range(n):
        r = rng.random()
        s: Any
        nm: Any
        own: list[tuple[str, str, Any]] = []
        if r < targeted:
            (s, nm), own = rng.choice(vocab.by_rule)
            s = s if s is not None else rng.choice(sources + list(NOISE_SOURCES))
            nm = nm if nm is not None else rng.choice(names + list(NOISE_NAMES))
        elif r < targeted + 0.15:
            s, nm = rng.choice(sources), rng.choice(names)
        else:
            s, nm = rng.choice(NOISE_SOURCES), rng.choice(NOISE_NAMES)
        if rng.random() < 0.05:
            s = s.upper() if rng.random() < 0.5 else s.lower()
            nm = nm.lower()
        rec: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": _identity(rng),
            "eventTime": f"2026-11-27T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "eventSource": s,
            "eventName": nm,
            "awsRegion": rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"]),
            "sourceIPAddress": rng.choice(["203.0.113.7", "10.0.1.5", "ec2.amazonaws.com"]),
            "userAgent": rng.choice(USER_AGENTS),
            "requestParameters": None,
            "responseElements": None,
            "requestID": f"req-{i}",
            "eventID": f"evt-{i:07d}",
            "readOnly": rng.random() < 0.6,
            "eventType": rng.choice(["AwsApiCall"] * 6 + ["AwsServiceEvent", "AwsConsoleSignIn"]),
            "managementEvent": True,
            "recipientAccountId": "111122223333",
        }
        e = rng.random()
        if e < 0.1:
            rec["errorCode"] = rng.choice(
                ["AccessDenied", "Client.UnauthorizedOperation", "Success"]
            )
            rec["errorMessage"] = rng.choice(["Access Denied", "Failed authentication", ""])
        elif e < 0.13:
            rec["errorCode"] = None
        # the fields the rules look at, near the rules' values
        if r < targeted:  # the chosen rule's own fields, near its values
            for field, op, v in own:
                if rng.random() < 0.7:
                    _set_path(rec, field, _variant(rng, op, v))
        for field in rng.sample(vocab.field_names, k=rng.randint(0, 6)):
            op, v = rng.choice(vocab.fields[field])
            if field in ("userIdentity.type", "userIdentity.arn") and rng.random() < 0.7:
                continue  # keep the identity coherent most of the time
            _set_path(rec, field, _variant(rng, op, v))
        if rng.random() < 0.05:  # lists crossed by a path
            defs = rec.get("requestParameters")
            if isinstance(defs, dict) and "containerDefinitions" in defs:
                defs["containerDefinitions"] = [defs["containerDefinitions"], {"command": ["sh"]}]
        # odd shapes of the indexed fields themselves: the slow path
        odd = rng.random()
        if odd < 0.005:
            del rec["eventSource"]
        elif odd < 0.01:
            rec["eventName"] = None
        elif odd < 0.013:
            rec["eventName"] = [nm, "Other"]
        elif odd < 0.015:
            rec["eventSource"] = 42
        yield rec


# ---- hand-written positives -------------------------------------------------------------


def ct(**fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "userName": "alice",
        },
        "eventTime": "2026-11-27T10:00:00Z",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": None,
        "responseElements": None,
        "eventType": "AwsApiCall",
    }
    rec.update(fields)
    return rec


POSITIVES: list[tuple[str, dict[str, Any]]] = [
    (
        "aws_cloudtrail_disable_logging",
        ct(eventSource="cloudtrail.amazonaws.com", eventName="StopLogging", eventID="p-1"),
    ),
    (
        "aws_cloudtrail_console_login_success_without_mfa",
        ct(
            eventSource="signin.amazonaws.com",
            eventName="ConsoleLogin",
            eventID="p-2",
            additionalEventData={"MFAUsed": "No"},
            responseElements={"ConsoleLogin": "Success"},
        ),
    ),
    (
        "aws_root_account_usage",
        ct(
            eventSource="s3.amazonaws.com",
            eventName="ListBuckets",
            eventID="p-3",
            userIdentity={"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
        ),
    ),
    (
        "aws_cloudtrail_guardduty_detector_deleted_or_updated",
        ct(
            eventSource="guardduty.amazonaws.com",
            eventName="UpdateDetector",
            eventID="p-4",
            requestParameters={"detectorId": "abc", "enable": False},
        ),
    ),
    (
        "aws_disable_bucket_versioning",
        ct(
            eventSource="s3.amazonaws.com",
            eventName="PutBucketVersioning",
            eventID="p-5",
            requestParameters={
                "bucketName": "b",
                "VersioningConfiguration": {"Status": "Suspended"},
            },
        ),
    ),
    (
        "aws_susp_saml_activity",
        ct(eventSource="iam.amazonaws.com", eventName="UpdateSAMLProvider", eventID="p-6"),
    ),
    (
        "aws_new_lambda_layer_attached",
        ct(
            eventSource="lambda.amazonaws.com",
            eventName="UpdateFunctionConfiguration20150331v2",
            eventID="p-7",
            requestParameters={"functionName": "f", "layers": ["arn:aws:lambda:l:1"]},
        ),
    ),
    (
        "aws_cloudtrail_imds_malicious_usage",
        ct(
            eventSource="ec2.amazonaws.com",
            eventName="DescribeInstances",
            eventID="p-8",
            userIdentity={
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/aws:ec2-instance/i-0abc",
            },
        ),
    ),
    (
        "aws_cloudtrail_bucket_deleted",
        ct(eventSource="S3.AMAZONAWS.COM", eventName="deletebucket", eventID="p-9"),
    ),
    (
        "aws_iam_s3browser_templated_s3_bucket_policy_creation",
        ct(
            eventSource="iam.amazonaws.com",
            eventName="PutUserPolicy",
            eventID="p-11",
            userAgent="[S3 Browser 11.5.7 https://s3browser.com]",
            requestParameters={
                "userName": "alice",
                "policyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject"],
                            "Resource": "arn:aws:s3:::<YOUR-BUCKET-NAME>/*",
                        }
                    ]
                },
            },
        ),
    ),
    (
        "aws_sts_getcalleridentity_trufflehog",
        ct(
            eventSource="sts.amazonaws.com",
            eventName="GetCallerIdentity",
            eventID="p-10",
            userAgent="TruffleHog",
        ),
    ),
]


# ---- differential test ------------------------------------------------------------------


def naive(rules: tuple[Rule, ...], records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    preds = [compile_rule(r) for r in rules]
    return [(i, str(rec.get("eventID"))) for rec in records for i, p in enumerate(preds) if p(rec)]


def indexed(rules: tuple[Rule, ...], records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    engine = StreamEngine(rules)
    position = {id(r): i for i, r in enumerate(engine.rules)}
    return [(position[id(h.rule)], str(h.event_id)) for rec in records for h in engine.process(rec)]


@pytest.mark.parametrize(("stem", "record"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_hand_written_positive_hits_in_both(stem: str, record: dict[str, Any]) -> None:
    want = SIGMA.index(BY_STEM[stem])
    expected = naive(SIGMA, [record])
    assert (want, record["eventID"]) in expected
    assert indexed(SIGMA, [record]) == expected


def test_differential_every_sigma_rule_over_generated_corpus() -> None:
    records = list(generate(20_000, seed=7)) + [copy.deepcopy(r) for _, r in POSITIVES]
    expected = naive(SIGMA, records)
    got = indexed(SIGMA, records)
    assert got == expected
    rules_hit = {i for i, _ in expected}
    print(f"\n{len(records)} events, {len(expected)} hits, {len(rules_hit)}/{len(SIGMA)} rules hit")
    assert len(rules_hit) == len(SIGMA)  # the corpus exercises most rules, not just the misses
    odd = [
        r
        for r in records
        if not isinstance(r.get("eventSource"), str | None)
        or not isinstance(r.get("eventName"), str | None)
    ]
    assert odd  # and the slow path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_more_seeds(seed: int) -> None:
    records = list(generate(3_000, seed=seed))
    assert indexed(SIGMA, records) == naive(SIGMA, records)


def test_differential_via_run_on_events() -> None:
    t = datetime(2026, 11, 27, tzinfo=UTC)
    records = list(generate(2_000, seed=11))
    events = [Event("cloudtrail", t, str(r["eventID"]), {}, r) for r in records]
    engine = StreamEngine(SIGMA)
    position = {id(r): i for i, r in enumerate(engine.rules)}
    got = [(position[id(h.rule)], h.event_id) for h in engine.run(events)]
    assert got == naive(SIGMA, records)
