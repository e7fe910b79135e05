"""The batch contract: one JSON request per line in, one JSON decision per line out."""

from __future__ import annotations

import io
import json
from typing import Any

from iam_helpers import ACCT, OTHER_USER, USER, allow, clock, deny, doc

from cloudwarden.iam import run_batch

S3 = doc(allow("s3:*"))


def _line(id_: str, **fields: Any) -> str:
    base: dict[str, Any] = {
        "id": id_,
        "principal": USER,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
    }
    base.update(fields)
    return json.dumps(base)


def _run(lines: list[str], explain: bool = False) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    errors = run_batch(lines, out, explain, clock=clock)
    return errors, [json.loads(x) for x in out.getvalue().splitlines()]


def test_good_lines_in_order() -> None:
    lines = [
        _line("a", identity_policies=[S3]),
        _line("b"),
        _line("c", identity_policies=[S3, doc(deny("s3:GetObject"))]),
        _line("d", identity_policies=[S3], scps=[[doc(allow())], [doc(allow("ec2:*"))]]),
        _line("e", identity_policies=[json.dumps(S3)], rcps=[[]]),
    ]
    errors, results = _run(lines)
    assert errors == 0
    assert results == [
        {"id": "a", "decision": "allowed"},
        {"id": "b", "decision": "implicit_deny"},
        {"id": "c", "decision": "explicit_deny"},
        {"id": "d", "decision": "implicit_deny"},
        {"id": "e", "decision": "allowed"},
    ]


def test_cross_account_and_context_fields() -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:*",
             "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        ],
    }  # fmt: skip
    common = {"principal": OTHER_USER, "identity_policies": [S3], "resource_policy": bucket}
    lines = [
        _line("in", resource_account=ACCT, context={"aws:SourceIp": "10.1.1.1"}, **common),
        _line("out", resource_account=ACCT, context={"aws:SourceIp": ["192.0.2.1"]}, **common),
        _line("null-policies", resource_policy=None, session_policy=None, scps=None),
    ]
    errors, results = _run(lines)
    assert errors == 0
    assert [r["decision"] for r in results] == ["allowed", "implicit_deny", "implicit_deny"]


def test_explain_adds_explanation() -> None:
    errors, results = _run([_line("a", identity_policies=[S3])], explain=True)
    assert errors == 0
    explanation = results[0]["explanation"]
    assert explanation["layers"]["identity"]["statements"][0]["applies"] is True
    assert explanation["reason"]


def test_bad_lines_are_reported_and_do_not_stop_the_batch() -> None:
    bad_policy = {"Statement": [{"Effect": "Allow", "Action": "s3:*"},
                                {"Effect": "Allow", "Action": "s3:*",
                                 "Condition": {"StringEqualz": {"k": "v"}}}]}  # fmt: skip
    lines = [
        _line("ok1", identity_policies=[S3]),
        "{not json",
        _line("bad-policy", identity_policies=[S3, bad_policy]),
        "",
        json.dumps([1, 2]),
        _line("no-action", action=None),
        _line("typo", scp=[[S3]]),
        _line("bad-context", context={"k": {"x": 1}}),
        json.dumps({"principal": USER, "action": "s3:GetObject"}),
        _line("bad-levels", scps=[S3]),
        _line("ok2"),
    ]
    errors, results = _run(lines)
    assert errors == 8
    assert [r.get("id") for r in results] == [
        "ok1", None, "bad-policy", None, "no-action", "typo", "bad-context", None,
        "bad-levels", "ok2",
    ]  # fmt: skip
    assert results[0]["decision"] == "allowed"
    assert results[-1]["decision"] == "implicit_deny"
    assert results[1]["error"].startswith("line 2: invalid JSON")
    located = results[2]["error"]
    assert located.startswith("line 3: ")
    assert "identity_policies[1].Statement[1].Condition.StringEqualz" in located
    assert "unknown key" in results[5]["error"] and "scp" in results[5]["error"]
    assert "context.k" in results[6]["error"]
    assert "id" in results[7]["error"]


def test_many_lines_share_compiled_policies() -> None:
    lines = [
        _line(str(i), identity_policies=[S3], resource=f"arn:aws:s3:::b/{i}") for i in range(50)
    ]
    errors, results = _run(lines)
    assert errors == 0
    assert {r["decision"] for r in results} == {"allowed"}
    assert [r["id"] for r in results] == [str(i) for i in range(50)]
