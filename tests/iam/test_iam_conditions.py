"""Condition operators, set qualifiers, missing keys and policy variables — one row per rule."""

from __future__ import annotations

from typing import Any

import pytest
from iam_helpers import ACCT, SESSION, USER, allow, request
from iam_helpers import doc as make_doc

from cloudwarden.iam import RequestContext, parse_policy
from cloudwarden.iam.conditions import conditions_hold, first_failure

OPS = "IAM JSON policy elements: Condition operators"
MULTI = "Single-valued vs. multivalued context keys"
VARS = "IAM policy elements: Variables and tags"
COND = "IAM JSON policy elements: Condition"

T = "aws:PrincipalTag/team"
IP = "aws:SourceIp"
NOW = "aws:CurrentTime"
TAGS = "aws:TagKeys"

CASES: list[tuple[dict[str, Any], dict[str, Any], bool, str]] = [
    # String operators
    ({"StringEquals": {T: "blue"}}, {T: "blue"}, True, f"{OPS} — StringEquals exact match"),
    ({"StringEquals": {T: "blue"}}, {T: "Blue"}, False, f"{OPS} — StringEquals is case-sensitive"),
    ({"StringEquals": {T: ["red", "blue"]}}, {T: "blue"}, True, f"{OPS} — several values are OR-ed"),
    ({"StringEquals": {T: "blue"}}, {}, False, f"{OPS} — missing key: the condition is false"),
    ({"StringNotEquals": {T: "blue"}}, {T: "red"}, True, f"{OPS} — StringNotEquals different value"),
    ({"StringNotEquals": {T: "blue"}}, {T: "blue"}, False, f"{OPS} — StringNotEquals same value"),
    ({"StringNotEquals": {T: ["red", "blue"]}}, {T: "blue"}, False, f"{OPS} — negated operator: value must match none (NOR)"),
    ({"StringNotEquals": {T: ["red", "blue"]}}, {T: "green"}, True, f"{OPS} — negated operator: none matched"),
    ({"StringNotEquals": {T: "blue"}}, {}, True, f"{OPS} — negated operator with missing key is true"),
    ({"StringEqualsIgnoreCase": {T: "BLUE"}}, {T: "blue"}, True, f"{OPS} — StringEqualsIgnoreCase ignores case"),
    ({"StringEqualsIgnoreCase": {T: "blue"}}, {T: "bluee"}, False, f"{OPS} — StringEqualsIgnoreCase still exact"),
    ({"StringNotEqualsIgnoreCase": {T: "BLUE"}}, {T: "blue"}, False, f"{OPS} — StringNotEqualsIgnoreCase same value"),
    ({"StringNotEqualsIgnoreCase": {T: "BLUE"}}, {T: "red"}, True, f"{OPS} — StringNotEqualsIgnoreCase other value"),
    ({"StringNotEqualsIgnoreCase": {T: "BLUE"}}, {}, True, f"{OPS} — StringNotEqualsIgnoreCase missing key"),
    ({"StringLike": {T: "bl*"}}, {T: "blue"}, True, f"{OPS} — StringLike * wildcard"),
    ({"StringLike": {T: "bl?e"}}, {T: "blue"}, True, f"{OPS} — StringLike ? wildcard"),
    ({"StringLike": {T: "bl?e"}}, {T: "blbue"}, False, f"{OPS} — StringLike ? is one character"),
    ({"StringLike": {T: "Bl*"}}, {T: "blue"}, False, f"{OPS} — StringLike is case-sensitive"),
    ({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/a/b:c"}, True, f"{OPS} — StringLike * spans / and :"),
    ({"StringLike": {T: "b.ue"}}, {T: "blue"}, False, f"{OPS} — StringLike: '.' is literal"),
    ({"StringNotLike": {T: "bl*"}}, {T: "red"}, True, f"{OPS} — StringNotLike no match"),
    ({"StringNotLike": {T: ["r*", "bl*"]}}, {T: "blue"}, False, f"{OPS} — StringNotLike any match fails"),
    ({"StringNotLike": {T: "bl*"}}, {}, True, f"{OPS} — StringNotLike missing key is true"),
    ({"StringLike": {T: "*"}}, {T: ""}, True, f"{OPS} — * matches an empty value"),
    ({"StringEquals": {"AWS:PRINCIPALTAG/team": "blue"}}, {T: "blue"}, True, f"{COND} — condition key names are case-insensitive"),
    ({"StringEquals": {T: "blue"}}, {"AWS:principaltag/TEAM": "blue"}, True, f"{COND} — request keys are case-insensitive too"),
    ({"StringEqualsIfExists": {T: "blue"}}, {}, True, f"{OPS} — …IfExists: missing key is true"),
    ({"StringEqualsIfExists": {T: "blue"}}, {T: "red"}, False, f"{OPS} — …IfExists: present key is compared"),
    ({"StringLikeIfExists": {T: "b*"}}, {T: "blue"}, True, f"{OPS} — StringLikeIfExists present and matching"),
    ({"StringNotEqualsIfExists": {T: "blue"}}, {}, True, f"{OPS} — StringNotEqualsIfExists missing key"),
    ({"StringNotEqualsIfExists": {T: "blue"}}, {T: "blue"}, False, f"{OPS} — StringNotEqualsIfExists present equal value"),
    ({"StringEquals": {"s3:x-amz-acl": "private"}}, {"s3:x-amz-acl": "private"}, True, f"{OPS} — service-specific keys"),
    ({"StringEquals": {"aws:RequestedRegion": 1}}, {"aws:RequestedRegion": "1"}, True, f"{COND} — numbers in string conditions compare as text"),
    # Numeric operators
    ({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True, f"{OPS} — NumericEquals"),
    ({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, True, f"{OPS} — numeric comparison, not text"),
    ({"NumericEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "11"}, False, f"{OPS} — NumericEquals different number"),
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, True, f"{OPS} — NumericNotEquals"),
    ({"NumericNotEquals": {"s3:max-keys": "10"}}, {}, True, f"{OPS} — NumericNotEquals missing key is true"),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, True, f"{OPS} — NumericLessThan"),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False, f"{OPS} — NumericLessThan is strict"),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True, f"{OPS} — NumericLessThanEquals"),
    ({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.5"}, True, f"{OPS} — NumericGreaterThan with decimals"),
    ({"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, False, f"{OPS} — NumericGreaterThan false"),
    ({"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True, f"{OPS} — NumericGreaterThanEquals"),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {}, False, f"{OPS} — NumericLessThan missing key is false"),
    ({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, True, f"{OPS} — NumericLessThanIfExists missing key"),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}, False, f"{OPS} — a non-numeric request value does not match"),
    ({"NumericEquals": {"s3:max-keys": ["5", "10"]}}, {"s3:max-keys": "5"}, True, f"{OPS} — numeric values OR-ed"),
    # Date operators
    ({"DateGreaterThan": {NOW: "2025-01-01T00:00:00Z"}}, {}, True, f"{OPS} — aws:CurrentTime is derived from the request time"),
    ({"DateLessThan": {NOW: "2025-01-01T00:00:00Z"}}, {}, False, f"{OPS} — DateLessThan on the current time"),
    ({"DateLessThan": {NOW: "2025-06-15T12:00:01Z"}}, {}, True, f"{OPS} — DateLessThan strict, one second later"),
    ({"DateLessThanEquals": {NOW: "2025-06-15T12:00:00Z"}}, {}, True, f"{OPS} — DateLessThanEquals same instant"),
    ({"DateEquals": {NOW: "2025-06-15T14:00:00+02:00"}}, {}, True, f"{OPS} — dates compare as instants across offsets"),
    ({"DateNotEquals": {NOW: "2025-06-15T12:00:00Z"}}, {}, False, f"{OPS} — DateNotEquals same instant"),
    ({"DateGreaterThanEquals": {NOW: "1749988800"}}, {}, True, f"{OPS} — policy dates may be epoch seconds"),
    ({"DateGreaterThan": {"aws:EpochTime": "2025-06-15T11:59:59Z"}}, {}, True, f"{OPS} — epoch request values compare with ISO policy values"),
    ({"DateGreaterThan": {"aws:TokenIssueTime": "2025-01-01"}}, {"aws:TokenIssueTime": "2025-03-01T10:00:00Z"}, True, f"{OPS} — date-only policy value"),
    ({"DateGreaterThan": {"aws:TokenIssueTime": "2025-01-01"}}, {}, False, f"{OPS} — date operator with missing key is false"),
    ({"DateGreaterThanIfExists": {"aws:TokenIssueTime": "2025-01-01"}}, {}, True, f"{OPS} — DateGreaterThanIfExists missing key"),
    ({"DateNotEquals": {"aws:TokenIssueTime": "2025-01-01"}}, {}, True, f"{OPS} — DateNotEquals missing key is true"),
    # Bool
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True, f"{OPS} — Bool true"),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False, f"{OPS} — Bool mismatch"),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "TRUE"}, True, f"{OPS} — Bool is case-insensitive; JSON true"),
    ({"Bool": {"aws:SecureTransport": "false"}}, {}, False, f"{OPS} — Bool with missing key is false"),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {}, True, f"{OPS} — BoolIfExists missing key is true (MFA deny pattern)"),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {"aws:MultiFactorAuthPresent": "true"}, False, f"{OPS} — BoolIfExists present key compared"),
    ({"Bool": {"aws:PrincipalIsAWSService": "false"}}, {}, True, f"{OPS} — aws:PrincipalIsAWSService is present in every request"),
    # Binary
    ({"BinaryEquals": {"k:bin": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, {"k:bin": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}, True, f"{OPS} — BinaryEquals compares base64 data"),
    ({"BinaryEquals": {"k:bin": "QmluYXJ5"}}, {"k:bin": "QmluYXJa"}, False, f"{OPS} — BinaryEquals different bytes"),
    ({"BinaryEqualsIfExists": {"k:bin": "QmluYXJ5"}}, {}, True, f"{OPS} — BinaryEqualsIfExists missing key"),
    ({"BinaryEquals": {"k:bin": "QmluYXJ5"}}, {}, False, f"{OPS} — BinaryEquals missing key"),
    # IP address
    ({"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "203.0.113.7"}, True, f"{OPS} — IPv4 CIDR contains the address"),
    ({"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "203.0.114.7"}, False, f"{OPS} — IPv4 outside the CIDR"),
    ({"IpAddress": {IP: "203.0.113.7"}}, {IP: "203.0.113.7"}, True, f"{OPS} — a single address is a /32"),
    ({"IpAddress": {IP: ["10.0.0.0/8", "203.0.113.0/24"]}}, {IP: "10.9.8.7"}, True, f"{OPS} — CIDRs OR-ed"),
    ({"IpAddress": {IP: "2001:db8::/32"}}, {IP: "2001:db8:1234::1"}, True, f"{OPS} — IPv6 CIDR"),
    ({"IpAddress": {IP: "2001:db8::/32"}}, {IP: "2001:db9::1"}, False, f"{OPS} — IPv6 outside the CIDR"),
    ({"IpAddress": {IP: "2001:db8::/32"}}, {IP: "203.0.113.7"}, False, f"{OPS} — IPv4 address never in an IPv6 block"),
    ({"IpAddress": {IP: "0.0.0.0/0"}}, {IP: "2001:db8::1"}, False, f"{OPS} — IPv6 address never in an IPv4 block"),
    ({"IpAddress": {IP: "203.0.113.0/24"}}, {}, False, f"{OPS} — IpAddress missing key is false"),
    ({"NotIpAddress": {IP: "203.0.113.0/24"}}, {IP: "198.51.100.1"}, True, f"{OPS} — NotIpAddress outside"),
    ({"NotIpAddress": {IP: ["203.0.113.0/24", "2001:db8::/32"]}}, {IP: "2001:db8::5"}, False, f"{OPS} — NotIpAddress inside one of the blocks"),
    ({"NotIpAddress": {IP: "203.0.113.0/24"}}, {}, True, f"{OPS} — NotIpAddress missing key is true"),
    ({"IpAddressIfExists": {IP: "203.0.113.0/24"}}, {}, True, f"{OPS} — IpAddressIfExists missing key"),
    ({"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "not-an-ip"}, False, f"{OPS} — an invalid address does not match"),
    # ARN operators
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}, True, f"{OPS} — ArnEquals exact"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}, True, f"{OPS} — ArnLike wildcards per part"),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}, True, f"{OPS} — ArnEquals also accepts wildcards"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:444455556666:topic"}, False, f"{OPS} — ArnLike account part compared"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}, {"aws:SourceArn": "arn:aws:s3:::bucket"}, True, f"{OPS} — ArnLike on S3 ARNs"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns*"}}, {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}, False, f"{OPS} — each of the six ARN parts is compared separately"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {"aws:SourceArn": "not-an-arn"}, False, f"{OPS} — a non-ARN request value does not match"),
    ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/alice"}}, {}, False, f"{OPS} — ArnNotEquals on derived aws:PrincipalArn (same user)"),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}, {}, True, f"{OPS} — ArnNotLike: a user is not a role"),
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {}, True, f"{OPS} — ArnNotLike missing key is true"),
    ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {}, True, f"{OPS} — ArnLikeIfExists missing key"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {}, False, f"{OPS} — ArnLike missing key is false"),
    # Null
    ({"Null": {"aws:TokenIssueTime": "true"}}, {}, True, f"{OPS} — Null true: key absent"),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}, False, f"{OPS} — Null true fails when present"),
    ({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}, True, f"{OPS} — Null false: key present"),
    ({"Null": {"aws:TokenIssueTime": False}}, {}, False, f"{OPS} — Null false fails when absent"),
    ({"Null": {TAGS: "false"}}, {TAGS: []}, False, f"{MULTI} — an empty multivalued key counts as absent"),
    ({"Null": {"aws:username": "false"}}, {}, True, f"{OPS} — aws:username is present for IAM users"),
    # Set qualifiers
    ({"ForAllValues:StringEquals": {TAGS: ["env", "team"]}}, {TAGS: ["env"]}, True, f"{MULTI} — ForAllValues: every request value is allowed"),
    ({"ForAllValues:StringEquals": {TAGS: ["env", "team"]}}, {TAGS: ["env", "owner"]}, False, f"{MULTI} — ForAllValues: one value outside the set"),
    ({"ForAllValues:StringEquals": {TAGS: ["env"]}}, {}, True, f"{MULTI} — ForAllValues with a missing key is true"),
    ({"ForAllValues:StringEquals": {TAGS: ["env"]}}, {TAGS: []}, True, f"{MULTI} — ForAllValues with an empty set is true"),
    ({"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}}, {TAGS: ["owner", "team"]}, True, f"{MULTI} — ForAnyValue: one match suffices"),
    ({"ForAnyValue:StringEquals": {TAGS: ["env"]}}, {TAGS: ["owner"]}, False, f"{MULTI} — ForAnyValue: no match"),
    ({"ForAnyValue:StringEquals": {TAGS: ["env"]}}, {}, False, f"{MULTI} — ForAnyValue with a missing key is false"),
    ({"ForAnyValue:StringEquals": {TAGS: ["env"]}}, {TAGS: []}, False, f"{MULTI} — ForAnyValue with an empty set is false"),
    ({"ForAllValues:StringLike": {TAGS: ["team-*"]}}, {TAGS: ["team-a", "team-b"]}, True, f"{MULTI} — ForAllValues with StringLike"),
    ({"ForAnyValue:StringLike": {TAGS: ["*secret*"]}}, {TAGS: ["a", "topsecret"]}, True, f"{MULTI} — ForAnyValue with StringLike"),
    ({"ForAllValues:StringNotEquals": {TAGS: ["admin"]}}, {TAGS: ["env", "team"]}, True, f"{MULTI} — ForAllValues:StringNotEquals: no value is in the set"),
    ({"ForAllValues:StringNotEquals": {TAGS: ["admin"]}}, {TAGS: ["env", "admin"]}, False, f"{MULTI} — ForAllValues:StringNotEquals: one value is in the set"),
    ({"ForAnyValue:StringNotEquals": {TAGS: ["admin"]}}, {TAGS: ["admin", "env"]}, True, f"{MULTI} — ForAnyValue:StringNotEquals: some value outside the set"),
    ({"ForAnyValue:StringNotEquals": {TAGS: ["admin"]}}, {TAGS: ["admin"]}, False, f"{MULTI} — ForAnyValue:StringNotEquals: every value in the set"),
    ({"ForAnyValue:StringEqualsIfExists": {TAGS: ["env"]}}, {}, True, f"{MULTI} — ForAnyValue with IfExists: missing key is true"),
    ({"ForAllValues:StringEqualsIgnoreCase": {TAGS: ["ENV"]}}, {TAGS: ["env", "Env"]}, True, f"{MULTI} — ForAllValues with IgnoreCase"),
    ({"ForAnyValue:IpAddress": {"k:ips": ["10.0.0.0/8"]}}, {"k:ips": ["192.0.2.1", "10.1.1.1"]}, True, f"{MULTI} — set qualifiers work with IP operators"),
    ({"ForAllValues:NumericLessThan": {"k:sizes": "10"}}, {"k:sizes": ["1", "9"]}, True, f"{MULTI} — set qualifiers work with numeric operators"),
    ({"ForAllValues:NumericLessThan": {"k:sizes": "10"}}, {"k:sizes": ["1", "19"]}, False, f"{MULTI} — ForAllValues numeric one too big"),
    ({"StringEquals": {TAGS: "env"}}, {TAGS: ["team", "env"]}, True, f"{MULTI} — single-valued operator on a multivalued key: any value (choice)"),
    ({"StringNotEquals": {TAGS: "env"}}, {TAGS: ["team", "env"]}, False, f"{MULTI} — negated single-valued operator on a multivalued key: none may match (choice)"),
    # AND / OR structure
    ({"StringEquals": {T: "blue", "aws:RequestedRegion": "eu-west-1"}}, {T: "blue", "aws:RequestedRegion": "eu-west-1"}, True, f"{COND} — several keys are AND-ed (both hold)"),
    ({"StringEquals": {T: "blue", "aws:RequestedRegion": "eu-west-1"}}, {T: "blue", "aws:RequestedRegion": "us-east-1"}, False, f"{COND} — several keys are AND-ed (one fails)"),
    ({"StringEquals": {T: "blue"}, "Bool": {"aws:SecureTransport": "true"}}, {T: "blue", "aws:SecureTransport": "false"}, False, f"{COND} — several operators are AND-ed"),
    ({"StringEquals": {T: "blue"}, "Bool": {"aws:SecureTransport": "true"}}, {T: "blue", "aws:SecureTransport": "true"}, True, f"{COND} — several operators all hold"),
    ({}, {}, True, f"{COND} — an empty Condition block holds"),
    # Policy variables
    ({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}, {T: "blue", "aws:ResourceTag/team": "blue"}, True, f"{VARS} — tag variable in a condition value"),
    ({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}, {T: "red", "aws:ResourceTag/team": "blue"}, False, f"{VARS} — tag variable resolved to another value"),
    ({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}, {"aws:ResourceTag/team": "blue"}, False, f"{VARS} — unresolved variable: the comparison does not match"),
    ({"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}, {"aws:ResourceTag/team": "blue"}, False, f"{VARS} — unresolved variable invalidates a negated comparison too (choice)"),
    ({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'none'}"}}, {"aws:ResourceTag/team": "none"}, True, f"{VARS} — default value of an unresolved variable"),
    ({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'none'}"}}, {T: "blue", "aws:ResourceTag/team": "blue"}, True, f"{VARS} — the default is unused when the key exists"),
    ({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}, {"s3:prefix": "home/alice/docs"}, True, f"{VARS} — ${{aws:username}} for IAM users"),
    ({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}, {"s3:prefix": "home/bob/docs"}, False, f"{VARS} — ${{aws:username}} is the caller's name"),
    ({"StringLike": {T: "${*}"}}, {T: "*"}, True, f"{VARS} — ${{*}} is a literal asterisk"),
    ({"StringLike": {T: "${*}"}}, {T: "blue"}, False, f"{VARS} — ${{*}} is not a wildcard"),
    ({"StringLike": {T: "a${?}"}}, {T: "a?"}, True, f"{VARS} — ${{?}} is a literal question mark"),
    ({"StringEquals": {T: "${$}x"}}, {T: "$x"}, True, f"{VARS} — ${{$}} is a literal dollar"),
    ({"StringLike": {T: "x-${aws:PrincipalTag/other}"}}, {T: "x-*", "aws:PrincipalTag/other": "*"}, True, f"{VARS} — a substituted value matches literally"),
    ({"StringLike": {T: "x-${aws:PrincipalTag/other}"}}, {T: "x-abc", "aws:PrincipalTag/other": "*"}, False, f"{VARS} — a substituted '*' is not a wildcard"),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}, {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCT}:t"}, True, f"{VARS} — variables in ARN operators"),
    ({"NumericEquals": {"s3:max-keys": "${aws:PrincipalTag/n}"}}, {"s3:max-keys": "5", "aws:PrincipalTag/n": "5"}, None, f"{VARS} — no variables in numeric operators: invalid number"),
]  # fmt: skip


def _holds(condition: dict[str, Any], context: dict[str, Any], version: str = "2012-10-17") -> bool:
    policy = parse_policy(make_doc(allow(Condition=condition), version=version))
    ctx = RequestContext(request(USER, context=context))
    return conditions_hold(policy.statements[0].conditions, ctx.get)


@pytest.mark.parametrize(("condition", "context", "expected", "doc"), CASES)
def test_condition_operators(
    condition: dict[str, Any], context: dict[str, Any], expected: bool | None, doc: str
) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            _holds(condition, context)
        return
    assert _holds(condition, context) is expected, doc


VERSION_CASES = [
    ("2012-10-17", True, f"{VARS} — variables are substituted in 2012-10-17 policies"),
    ("2008-10-17", False, f"{VARS} — without Version 2012-10-17 variables are literal text"),
    (None, False, f"{VARS} — without Version element variables are literal text"),
]


@pytest.mark.parametrize(("version", "expected", "doc"), VERSION_CASES)
def test_variables_need_version_2012(version: str | None, expected: bool, doc: str) -> None:
    condition = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    policy = parse_policy(make_doc(allow(Condition=condition), version=version))
    ctx = RequestContext(request(USER, context={"s3:prefix": "alice"}))
    assert conditions_hold(policy.statements[0].conditions, ctx.get) is expected, doc


def test_username_is_absent_for_role_sessions() -> None:
    policy = parse_policy(
        make_doc(allow(Condition={"StringLike": {"s3:prefix": "${aws:username}/*"}}))
    )
    ctx = RequestContext(request(SESSION, context={"s3:prefix": "app/x"}))
    assert not conditions_hold(policy.statements[0].conditions, ctx.get)


def test_first_failure_names_key_operator_and_values() -> None:
    policy = parse_policy(make_doc(allow(Condition={"StringEquals": {T: ["red", "green"]}})))
    ctx = RequestContext(request(USER, context={T: "blue"}))
    failure = first_failure(policy.statements[0].conditions, ctx.get)
    assert failure is not None
    assert failure.to_dict() == {
        "operator": "StringEquals",
        "key": T,
        "expected": ["red", "green"],
        "actual": ["blue"],
    }
