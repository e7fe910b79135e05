"""Reading policy documents: accepted shapes and located problems."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.iam import PolicyParseError, parse_policy

GRAMMAR = "Grammar of the IAM JSON policy language"
ELEMENTS = "IAM JSON policy element reference"

GOOD_CASES: list[tuple[Any, int, str]] = [
    ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}, 1, f"{GRAMMAR} — Statement may be a single object"),
    ({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": ["*"]}]}, 1, f"{GRAMMAR} — Action and Resource may be lists"),
    ({"Version": "2008-10-17", "Id": "x", "Statement": []}, 0, f"{ELEMENTS} — Version 2008-10-17 and Id are accepted"),
    ({"Statement": [{"Sid": "A", "Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::b"}]}, 1, f"{ELEMENTS} — NotAction / NotResource"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, 1, f"{ELEMENTS} — a trust policy has no Resource"),
    ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}, 1, f"{ELEMENTS} — Principal \"*\""),
    ({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": ["111122223333"]}, "Action": "s3:*", "Resource": "*"}]}, 1, f"{ELEMENTS} — NotPrincipal"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*", "CanonicalUser": "abc", "Federated": "accounts.google.com"}, "Action": "s3:*", "Resource": "*"}]}, 1, f"{ELEMENTS} — every principal type"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"s3:max-keys": 10}}}]}, 1, f"{ELEMENTS} — JSON booleans and numbers as condition values"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "statements", "doc"), GOOD_CASES)
def test_accepted_documents(document: Any, statements: int, doc: str) -> None:
    assert len(parse_policy(document).statements) == statements, doc
    assert len(parse_policy(json.dumps(document)).statements) == statements, doc
    assert len(parse_policy(json.dumps(document).encode()).statements) == statements, doc


BAD_CASES: list[tuple[Any, str, str]] = [
    ("{not json", "", f"{GRAMMAR} — a policy is JSON"),
    ("[1, 2]", "", f"{GRAMMAR} — a policy is a JSON object"),
    ({"Version": "2012-10-17"}, "Statement", f"{GRAMMAR} — Statement is required"),
    ({"Statement": [], "Extra": 1}, "Extra", f"{GRAMMAR} — unknown top-level element"),
    ({"Version": "2020-01-01", "Statement": []}, "Version", f"{ELEMENTS} — only two Version values exist"),
    ({"Version": ["2012-10-17"], "Statement": []}, "Version", f"{ELEMENTS} — Version is a string (a list is located, not a crash)"),
    ({"Version": {}, "Statement": []}, "Version", f"{ELEMENTS} — Version is a string (an object is located, not a crash)"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Statement[0]", f"{ELEMENTS} — Action or NotAction is required"),
    ({"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}, "Statement[0].Effect", f"{ELEMENTS} — Effect is Allow or Deny"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}]}, "Statement[0]", f"{ELEMENTS} — Action and NotAction are exclusive"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"}]}, "Statement[0]", f"{ELEMENTS} — Resource and NotResource are exclusive"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3", "Resource": "*"}]}, "Statement[0].Action", f"{ELEMENTS} — an action is service:Action"),
    ({"Statement": [{"Effect": "Allow", "Action": ["s3:*", 5], "Resource": "*"}]}, "Statement[0].Action[1]", f"{ELEMENTS} — actions are strings"),
    ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "Statement[0].Action", f"{ELEMENTS} — an empty Action list"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "someone"}]}, "Statement[0].Principal", f"{ELEMENTS} — Principal is * or an object"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": {"Group": "x"}}]}, "Statement[0].Principal.Group", f"{ELEMENTS} — groups cannot be principals"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}, "Statement[0].Condition.StringEqualz", f"{ELEMENTS} — unknown condition operator"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericEquals": {"k": "ten"}}}]}, "Statement[0].Condition.NumericEquals.k", "IAM JSON policy elements: Condition operators — numeric values"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"k": "tomorrow"}}}]}, "Statement[0].Condition.DateLessThan.k", "IAM JSON policy elements: Condition operators — date values"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"k": ["10.0.0.0/8", "300.1.1.1"]}}}]}, "Statement[0].Condition.IpAddress.k[1]", "IAM JSON policy elements: Condition operators — IP values"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NullIfExists": {"k": "true"}}}]}, "Statement[0].Condition.NullIfExists", "IAM JSON policy elements: Condition operators — no IfExists for Null"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"k": "maybe"}}}]}, "Statement[0].Condition.Null.k", "IAM JSON policy elements: Condition operators — Null takes true/false"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForSomeValues:StringEquals": {"k": "v"}}}]}, "Statement[0].Condition.ForSomeValues:StringEquals", f"{ELEMENTS} — only ForAllValues / ForAnyValue"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": {"nested": 1}}}}]}, "Statement[0].Condition.StringEquals.k", f"{ELEMENTS} — condition values are scalars"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"BinaryEquals": {"k": "not base64!"}}}]}, "Statement[0].Condition.BinaryEquals.k", "IAM JSON policy elements: Condition operators — binary values are base64"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Actions": "x"}]}, "Statement[0].Actions", f"{ELEMENTS} — unknown statement element"),
    ({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": 3}}, "Statement.Resource", f"{GRAMMAR} — single statement path has no index"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "path", "doc"), BAD_CASES)
def test_rejected_documents_are_located(document: Any, path: str, doc: str) -> None:
    with pytest.raises(PolicyParseError) as info:
        parse_policy(document)
    assert path in [p.path for p in info.value.problems], (doc, info.value.problems)


def test_all_problems_of_a_document_are_collected() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Maybe", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:*", "Condition": {"Bogus": {"k": "v"}}},
        ]
    }
    with pytest.raises(PolicyParseError) as info:
        parse_policy(document)
    paths = [p.path for p in info.value.problems]
    assert paths == ["Statement[1].Effect", "Statement[2].Condition.Bogus"]
    assert info.value.path == "Statement[1].Effect"
    assert "Statement[2].Condition.Bogus" in str(info.value)
    assert info.value.with_prefix("identity_policies[0]").path == (
        "identity_policies[0].Statement[1].Effect"
    )


def test_model_is_immutable() -> None:
    policy = parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    with pytest.raises(AttributeError):
        policy.statements[0].effect = "Deny"  # type: ignore[misc]
    assert policy.statements[0].actions == ("s3:*",)
