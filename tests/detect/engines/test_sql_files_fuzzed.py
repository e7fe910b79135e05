"""Inputs where the batch file scan and the reference reader + streaming engine disagreed,
found by a differential fuzzer (each was a failing case before its fix). The reference is
the streaming engine over ``read_events``; the scan must give the same hits and counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.detect.rules import Rule, builtin_sigma_rules
from cloudwarden.detect.rules.native import builtin_native_rules

from .test_sql_files import assert_agree

pytest.importorskip("duckdb")

RULES: list[Rule] = [
    *builtin_sigma_rules().rules,
    *[r for r in builtin_native_rules().rules if r.service in (None, "cloudtrail")],
]
ROOT = b'{"eventID":"e1","eventTime":"%s","userIdentity":{"type":"Root"}%s}'


def record(name: str, source: str, params: dict[str, object]) -> dict[str, object]:
    return {
        "eventID": "e1",
        "eventTime": "2024-05-01T00:00:00Z",
        "eventSource": source,
        "eventName": name,
        "userIdentity": {"type": "IAMUser", "userName": "u"},
        "requestParameters": params,
    }


def doc(*records: dict[str, object]) -> bytes:
    return json.dumps({"Records": list(records)}).encode()


def nacl(port_from: object, port_to: object) -> bytes:
    params = {"egress": False, "ruleAction": "allow", "cidrBlock": "0.0.0.0/0"}
    params |= {"aclProtocol": "6", "portRange": {"from": port_from, "to": port_to}}
    return doc(record("CreateNetworkAclEntry", "ec2.amazonaws.com", params))


LAYER = "arn:aws:lambda:us-east-1:1:layer:x:1"
FULL = b'{"Records":[' + ROOT % (b"2024-05-01T00:00:00Z", b"") + b"]}"
CASES: dict[str, bytes] = {
    # eventTime that DuckDB's TIMESTAMP cast takes and datetime.fromisoformat does not
    "hour 24": b'{"Records":[' + ROOT % (b"2024-05-01T24:00:00Z", b"") + b"]}",
    "year 0": b'{"Records":[' + ROOT % (b"0000-05-01T00:00:00Z", b"") + b"]}",
    "space for a digit": b'{"Records":[' + ROOT % (b"2024-05-01T 0:00:00Z", b"") + b"]}",
    # an empty Records list next to another document
    "empty then full": b'{"Records":[]}' + FULL,
    "empty then full, two lines": b'{"Records":[]}\n' + FULL,
    "full then empty": FULL + b'{"Records":[]}',
    # a list in a list after its first element: the evaluator flattens it
    "layers": doc(
        record(
            "UpdateFunctionConfiguration20150331v2",
            "lambda.amazonaws.com",
            {"layers": ["a", [LAYER]]},
        )
    ),
    "ssm targets": doc(
        record(
            "SendCommand",
            "ssm.amazonaws.com",
            {"documentName": "AWS-RunShellScript", "targets": [0, [{"values": ["x"]}]]},
        )
    ),
    "fieldref through a nested list": doc(
        record("CreateAccessKey", "iam.amazonaws.com", {"userName": ["x", ["u"]]})
    ),
    # numeric comparisons: the same number grammar on both sides
    "NaN as a port": nacl(22, "NaN"),
    "fullwidth digits": nacl("\uff12\uff12", 22),
    "non-breaking space": nacl("\u00a022", 22),
    # regexes Python's re and RE2 read differently: "$" before a final newline, and the
    # Unicode \\s (a vertical tab, a non-breaking space) in a policy document
    "$ before a final newline": doc(
        {
            "eventID": "e1",
            "eventTime": "2024-05-01T00:00:00Z",
            "sourceIPAddress": "1.2.3.4",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::1:assumed-role/r/i-0123456789abcdef0\n",
            },
        }
    ),
    "a vertical tab for \\s": doc(
        record("PutUserPolicy", "iam.amazonaws.com", {"policyDocument": '{"Action"\x0b:"*"}'})
    ),
    "a non-breaking space for \\s": doc(
        record("PutUserPolicy", "iam.amazonaws.com", {"policyDocument": '{"Action"\u00a0:"*"}'})
    ),
    # numbers orjson cannot hold and JSON whitespace it does not take
    "a 400-digit integer": b'{"Records":['
    + ROOT % (b"2024-05-01T00:00:00Z", b',"x":' + b"1" * 400)
    + b"]}",
    "VT before the document": b"\x0b" + FULL,
}
LINES: dict[str, bytes] = {
    "a carriage return between tokens": (ROOT % (b"2024-05-01T00:00:00Z", b"")).replace(
        b",", b",\r", 1
    )
    + b"\n",
    "a Records key in a row": ROOT % (b"2024-05-01T00:00:00Z", b',"Records":[]') + b"\n",
}


@pytest.mark.parametrize("name", list(CASES))
def test_documents(tmp_path: Path, name: str) -> None:
    (tmp_path / "a.json").write_bytes(CASES[name])
    assert_agree(RULES, tmp_path)


@pytest.mark.parametrize("name", list(LINES))
def test_json_lines(tmp_path: Path, name: str) -> None:
    (tmp_path / "a.jsonl").write_bytes(LINES[name])
    assert_agree(RULES, tmp_path)


def test_a_lone_empty_document_reads_as_no_event(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b'{"Records":[]}')
    assert_agree(RULES, tmp_path)
