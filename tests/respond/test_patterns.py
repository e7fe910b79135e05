"""EventBridge event patterns, one table row per documented behaviour.

Each row's comment names the section of the AWS EventBridge user guide it encodes:
"Event patterns" (eb-event-patterns), "Arrays in event patterns" (eb-event-patterns-arrays),
"Matching null values and empty strings" (eb-event-patterns-null-values) and the
"Content filtering" / "Comparison operators" pages (one section per operator). Where the
guide is silent, the row cites the Event Ruler README, the engine behind EventBridge.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.respond.patterns import (
    MAX_OR_COMBINATIONS,
    PatternError,
    compile_pattern,
)

EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:111122223333:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "eventVersion": "",
        "responseElements": None,
        "flag": True,
    },
}


def _d(**detail: Any) -> dict[str, Any]:
    return {"detail": detail}


# (id, pattern, event, expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # --- "Event patterns": fields AND, values OR, other fields ignored -------------------
    ("fields-and", {"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}, EC2_EVENT, True),
    (
        "fields-and-one-fails",
        {"source": ["aws.ec2"], "detail": {"state": ["running"]}},
        EC2_EVENT,
        False,
    ),
    ("values-or", {"source": ["aws.s3", "aws.ec2"]}, EC2_EVENT, True),
    ("missing-field", {"detail": {"nope": ["x"]}}, EC2_EVENT, False),
    ("nesting-must-agree", {"state": ["terminated"]}, EC2_EVENT, False),
    ("case-sensitive", {"source": ["AWS.EC2"]}, EC2_EVENT, False),
    # --- "Matching null values and empty strings" --------------------------------------
    ("empty-string", {"detail": {"eventVersion": [""]}}, EC2_EVENT, True),
    ("null", {"detail": {"responseElements": [None]}}, EC2_EVENT, True),
    ("empty-string-is-not-null", {"detail": {"responseElements": [""]}}, EC2_EVENT, False),
    ("null-is-not-empty-string", {"detail": {"eventVersion": [None]}}, EC2_EVENT, False),
    ("null-is-not-missing", {"detail": {"nope": [None]}}, EC2_EVENT, False),
    # --- Event Ruler README "JSON text matching": types never cross --------------------
    ("bool", {"detail": {"flag": [True]}}, EC2_EVENT, True),
    ("bool-not-one", {"detail": {"flag": [1]}}, EC2_EVENT, False),
    ("string-not-number", {"detail": {"c-count": ["5"]}}, EC2_EVENT, False),
    ("string-true-not-bool", {"detail": {"flag": ["true"]}}, EC2_EVENT, False),
    # --- "Numeric matching": numbers compare by value --------------------------------------
    ("number-int-float", {"detail": {"c-count": [5.0]}}, EC2_EVENT, True),
    ("number-exponent", _d(n=[3.0e2]), _d(n=300), True),
    ("number-exponent-rev", _d(n=[300]), _d(n=3.0e2), True),
    ("number-other", _d(n=[300.5]), _d(n=300), False),
    ("number-large-exact", _d(n=[123456789012]), _d(n=123456789012), True),
    # --- "Arrays in event patterns": non-empty intersection --------------------------------
    (
        "array-intersection",
        {"resources": ["arn:x", "arn:aws:ec2:us-west-1:111122223333:instance/i-1234567890abcdef0"]},
        EC2_EVENT,
        True,
    ),
    ("array-no-intersection", {"resources": ["arn:x"]}, EC2_EVENT, False),
    ("array-of-arrays", _d(v=["b"]), _d(v=[["a"], ["b"]]), True),
    ("empty-array-no-value", _d(v=["a"]), _d(v=[]), False),
    # --- Event Ruler README "JSON Array Matching": objects in arrays ---------------------
    (
        "array-objects",
        {"e": {"first": ["Anna"]}},
        {"e": [{"first": "John"}, {"first": "Anna"}]},
        True,
    ),
    (
        "array-objects-same-element",
        {"e": {"first": ["Anna"], "last": ["Smith"]}},
        {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]},
        True,
    ),
    (
        "array-objects-not-across-elements",
        {"e": {"first": ["Anna"], "last": ["Jones"]}},
        {"e": [{"first": "Anna", "last": "Smith"}, {"first": "Peter", "last": "Jones"}]},
        False,
    ),
    ("array-objects-nested-arrays", {"e": {"f": ["x"]}}, {"e": [[{"f": "y"}], [{"f": "x"}]]}, True),
    # --- "Prefix matching" / "Prefix matching while ignoring case" ---------------------
    ("prefix", {"time": [{"prefix": "2017-12-22"}]}, EC2_EVENT, True),
    ("prefix-miss", {"time": [{"prefix": "2017-10-02"}]}, EC2_EVENT, False),
    ("prefix-case", {"source": [{"prefix": "AWS."}]}, EC2_EVENT, False),
    (
        "prefix-ignore-case",
        {"source": [{"prefix": {"equals-ignore-case": "AWS."}}]},
        EC2_EVENT,
        True,
    ),
    ("prefix-strings-only", _d(n=[{"prefix": "30"}]), _d(n=300), False),
    ("prefix-in-array", _d(v=[{"prefix": "b"}]), _d(v=["a", "bc"]), True),
    # --- "Suffix matching" / "Suffix matching while ignoring case" ---------------------
    ("suffix", _d(FileName=[{"suffix": ".png"}]), _d(FileName="a.png"), True),
    ("suffix-miss", _d(FileName=[{"suffix": ".png"}]), _d(FileName="a.PNG"), False),
    (
        "suffix-ignore-case",
        _d(FileName=[{"suffix": {"equals-ignore-case": ".png"}}]),
        _d(FileName="a.PNG"),
        True,
    ),
    (
        "suffix-ignore-case-miss",
        _d(FileName=[{"suffix": {"equals-ignore-case": ".png"}}]),
        _d(FileName="a.jpg"),
        False,
    ),
    # --- "Equals-ignore-case matching" -------------------------------------------------
    ("equals-ignore-case", {"source": [{"equals-ignore-case": "AWS.EC2"}]}, EC2_EVENT, True),
    ("equals-ignore-case-miss", {"source": [{"equals-ignore-case": "aws.ec"}]}, EC2_EVENT, False),
    ("equals-ignore-case-strings-only", _d(n=[{"equals-ignore-case": "5"}]), _d(n=5), False),
    # --- "Wildcard matching" ------------------------------------------------------------
    ("wildcard", _d(f=[{"wildcard": "dir/*.png"}]), _d(f="dir/a/b.png"), True),
    ("wildcard-empty-run", _d(f=[{"wildcard": "dir/*.png"}]), _d(f="dir/.png"), True),
    ("wildcard-miss", _d(f=[{"wildcard": "dir/*.png"}]), _d(f="dir/a.jpg"), False),
    ("wildcard-whole-value", _d(f=[{"wildcard": "a*"}]), _d(f="ba"), False),
    ("wildcard-escaped-star", _d(f=[{"wildcard": "a\\*b"}]), _d(f="a*b"), True),
    ("wildcard-escaped-star-literal", _d(f=[{"wildcard": "a\\*b"}]), _d(f="axb"), False),
    ("wildcard-escaped-backslash", _d(f=[{"wildcard": "a\\\\*"}]), _d(f="a\\zz"), True),
    ("wildcard-newline", _d(f=[{"wildcard": "a*b"}]), _d(f="a\nb"), True),
    # --- "Anything-but matching" ---------------------------------------------------------
    ("anything-but", _d(state=[{"anything-but": "initializing"}]), _d(state="running"), True),
    (
        "anything-but-miss",
        _d(state=[{"anything-but": "initializing"}]),
        _d(state="initializing"),
        False,
    ),
    ("anything-but-number", _d(x=[{"anything-but": 123}]), _d(x=124), True),
    ("anything-but-number-miss", _d(x=[{"anything-but": 123}]), _d(x=123.0), False),
    (
        "anything-but-list",
        _d(state=[{"anything-but": ["stopped", "overloaded"]}]),
        _d(state="running"),
        True,
    ),
    (
        "anything-but-list-miss",
        _d(state=[{"anything-but": ["stopped", "overloaded"]}]),
        _d(state="stopped"),
        False,
    ),
    ("anything-but-numbers", _d(x=[{"anything-but": [100, 200, 300]}]), _d(x=301.8), True),
    ("anything-but-numbers-miss", _d(x=[{"anything-but": [100, 200, 300]}]), _d(x=2e2), False),
    ("anything-but-missing-field", _d(state=[{"anything-but": "x"}]), _d(), False),
    ("anything-but-null-value", _d(state=[{"anything-but": "x"}]), _d(state=None), True),
    ("anything-but-other-type", _d(x=[{"anything-but": [100]}]), _d(x="100"), True),
    ("anything-but-array-any", _d(s=[{"anything-but": "a"}]), _d(s=["a", "b"]), True),
    ("anything-but-array-all-excluded", _d(s=[{"anything-but": "a"}]), _d(s=["a", "a"]), False),
    # --- "Anything-but matching on prefix / suffix / ignore case / wildcard" ------------
    ("anything-but-prefix", _d(s=[{"anything-but": {"prefix": "init"}}]), _d(s="running"), True),
    (
        "anything-but-prefix-miss",
        _d(s=[{"anything-but": {"prefix": "init"}}]),
        _d(s="initializing"),
        False,
    ),
    (
        "anything-but-prefix-list",
        {"region": [{"anything-but": {"prefix": ["us-", "eu-"]}}]},
        EC2_EVENT,
        False,
    ),
    ("anything-but-prefix-number", _d(s=[{"anything-but": {"prefix": "1"}}]), _d(s=123), True),
    ("anything-but-suffix", _d(f=[{"anything-but": {"suffix": ".png"}}]), _d(f="a.jpg"), True),
    (
        "anything-but-suffix-miss",
        _d(f=[{"anything-but": {"suffix": ".png"}}]),
        _d(f="a.png"),
        False,
    ),
    (
        "anything-but-ignore-case",
        _d(s=[{"anything-but": {"equals-ignore-case": "init"}}]),
        _d(s="run"),
        True,
    ),
    (
        "anything-but-ignore-case-miss",
        _d(s=[{"anything-but": {"equals-ignore-case": "init"}}]),
        _d(s="INIT"),
        False,
    ),
    (
        "anything-but-ignore-case-list",
        _d(s=[{"anything-but": {"equals-ignore-case": ["a", "b"]}}]),
        _d(s="B"),
        False,
    ),
    (
        "anything-but-wildcard",
        _d(p=[{"anything-but": {"wildcard": "*/lib/*"}}]),
        _d(p="/usr/bin/x"),
        True,
    ),
    (
        "anything-but-wildcard-miss",
        _d(p=[{"anything-but": {"wildcard": "*/lib/*"}}]),
        _d(p="/usr/lib/x"),
        False,
    ),
    (
        "anything-but-wildcard-list",
        _d(p=[{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]),
        _d(p="/usr/bin/x"),
        False,
    ),
    # --- "Numeric matching" ------------------------------------------------------------------
    ("numeric-range", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, EC2_EVENT, True),
    ("numeric-range-upper-open", _d(n=[{"numeric": [">", 0, "<", 5]}]), _d(n=5), False),
    ("numeric-range-lower-open", _d(n=[{"numeric": [">", 0, "<=", 5]}]), _d(n=0), False),
    ("numeric-range-lower-closed", _d(n=[{"numeric": [">=", 0, "<=", 5]}]), _d(n=0), True),
    ("numeric-lt", _d(n=[{"numeric": ["<", 10]}]), _d(n=9.999999), True),
    ("numeric-lt-miss", _d(n=[{"numeric": ["<", 10]}]), _d(n=10), False),
    ("numeric-le", _d(n=[{"numeric": ["<=", 10]}]), _d(n=10), True),
    ("numeric-gt", _d(n=[{"numeric": [">", -1.5]}]), _d(n=-1.4), True),
    ("numeric-eq", {"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}}, EC2_EVENT, True),
    ("numeric-eq-miss", _d(n=[{"numeric": ["=", 3.018e2]}]), _d(n=301.9), False),
    ("numeric-string-value", _d(n=[{"numeric": [">", 0]}]), _d(n="5"), False),
    ("numeric-bool-value", _d(n=[{"numeric": [">", 0]}]), _d(n=True), False),
    ("numeric-in-array", _d(n=[{"numeric": [">", 10]}]), _d(n=[1, 20]), True),
    ("numeric-value-past-limit", _d(n=[{"numeric": [">", 0]}]), _d(n=6e9), False),
    ("numeric-value-at-limit", _d(n=[{"numeric": [">", 0]}]), _d(n=5e9), True),
    ("numeric-value-too-precise", _d(n=[{"numeric": [">", 0]}]), _d(n=0.0000001), False),
    ("numeric-six-decimals", _d(n=[{"numeric": [">", 0.000001]}]), _d(n=0.000002), True),
    # --- "IP address matching" ---------------------------------------------------------
    ("cidr-v4", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, EC2_EVENT, True),
    ("cidr-v4-miss", {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, EC2_EVENT, False),
    ("cidr-v4-host-route", _d(ip=[{"cidr": "10.0.0.33/32"}]), _d(ip="10.0.0.33"), True),
    ("cidr-v6", _d(ip=[{"cidr": "2001:db8::/32"}]), _d(ip="2001:db8:1234::1"), True),
    ("cidr-v6-miss", _d(ip=[{"cidr": "2001:db8::/32"}]), _d(ip="2001:db9::1"), False),
    (
        "cidr-v6-expanded-address",
        _d(ip=[{"cidr": "2001:db8::/32"}]),
        _d(ip="2001:0db8:0000:0000:0000:0000:0000:0001"),
        True,
    ),
    ("cidr-family-mismatch", _d(ip=[{"cidr": "0.0.0.0/0"}]), _d(ip="::1"), False),
    ("cidr-not-an-ip", _d(ip=[{"cidr": "0.0.0.0/0"}]), _d(ip="localhost"), False),
    ("cidr-number", _d(ip=[{"cidr": "0.0.0.0/0"}]), _d(ip=167772161), False),
    # Event Ruler README "IP Address Matching": an exact IP literal is an address
    ("exact-ipv6-spelling", _d(ip=["2001:db8::1"]), _d(ip="2001:0db8:0:0:0:0:0:1"), True),
    # --- "Exists matching" -------------------------------------------------------------------
    ("exists-true", {"detail": {"state": [{"exists": True}]}}, EC2_EVENT, True),
    ("exists-true-missing", {"detail": {"c-count": [{"exists": True}]}}, {"detail": {}}, False),
    (
        "exists-false-missing",
        {"detail": {"c-count": [{"exists": False}]}},
        {"detail": {"state": "x"}},
        True,
    ),
    ("exists-false-present", {"detail": {"c-count": [{"exists": False}]}}, EC2_EVENT, False),
    ("exists-false-no-parent", {"detail": {"c-count": [{"exists": False}]}}, {"source": "x"}, True),
    # leaf nodes only: an object under the name does not count as the field existing
    (
        "exists-false-object",
        {"detail": {"c-count": [{"exists": False}]}},
        _d(**{"c-count": {"c1": 100}}),
        True,
    ),
    (
        "exists-true-object",
        {"detail": {"c-count": [{"exists": True}]}},
        _d(**{"c-count": {"c1": 100}}),
        False,
    ),
    # null is a value (present); an empty array holds no value (absent)
    ("exists-true-null", _d(v=[{"exists": True}]), _d(v=None), True),
    ("exists-false-null", _d(v=[{"exists": False}]), _d(v=None), False),
    ("exists-true-empty-array", _d(v=[{"exists": True}]), _d(v=[]), False),
    ("exists-false-empty-array", _d(v=[{"exists": False}]), _d(v=[]), True),
    ("exists-true-empty-string", _d(v=[{"exists": True}]), _d(v=""), True),
    (
        "exists-false-any-array-element",
        {"e": {"nick": [{"exists": False}]}},
        {"e": [{"first": "Anna"}, {"first": "Bob", "nick": "B"}]},
        False,
    ),
    ("exists-or-value", _d(v=["x", {"exists": False}]), _d(), True),
    # --- "$or matching" ---------------------------------------------------------------------
    (
        "or-top",
        {
            "source": ["aws.ec2"],
            "$or": [{"detail": {"state": ["running"]}}, {"region": ["us-west-1"]}],
        },
        EC2_EVENT,
        True,
    ),
    ("or-none", {"$or": [{"source": ["aws.s3"]}, {"source": ["aws.iam"]}]}, EC2_EVENT, False),
    (
        "or-and-outside-fails",
        {"source": ["aws.s3"], "$or": [{"region": ["us-west-1"]}, {"id": ["x"]}]},
        EC2_EVENT,
        False,
    ),
    (
        "or-inside-detail",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 10]}]},
                    {"x-limit": [{"numeric": ["=", 301.8]}]},
                ]
            }
        },
        EC2_EVENT,
        True,
    ),
    (
        "or-nested",
        {
            "source": ["aws.ec2"],
            "$or": [
                {"region": ["eu-west-1"]},
                {
                    "account": ["111122223333"],
                    "$or": [{"id": ["nope"]}, {"detail": {"state": ["terminated"]}}],
                },
            ],
        },
        EC2_EVENT,
        True,
    ),
    (
        "or-nested-miss",
        {
            "$or": [
                {"region": ["eu-west-1"]},
                {
                    "account": ["111122223333"],
                    "$or": [{"id": ["nope"]}, {"detail": {"state": ["running"]}}],
                },
            ],
        },
        EC2_EVENT,
        False,
    ),
    (
        "or-parallel",
        {
            "$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}],
            "detail": {"$or": [{"state": ["stopped"]}, {"flag": [False]}]},
        },
        EC2_EVENT,
        False,
    ),
    (
        "or-in-array-element",
        {"e": {"$or": [{"a": ["1"]}, {"b": ["2"]}], "c": ["3"]}},
        {"e": [{"a": "1", "c": "x"}, {"b": "2", "c": "3"}]},
        True,
    ),
]


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pattern_table(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern).matches(event) is expected


def test_json_text_is_compiled_like_the_mapping() -> None:
    # "Numeric matching": the guide's own example, as JSON text with an exponent
    text = '{"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}], "c-count": [5]}}'
    assert compile_pattern(text).matches(EC2_EVENT)
    assert compile_pattern(text.encode()).matches(EC2_EVENT)


def test_compiled_pattern_keeps_its_source() -> None:
    pattern = {"source": ["aws.ec2"]}
    assert compile_pattern(pattern).source == pattern


# (id, pattern, located message)
ERRORS: list[tuple[str, Any, str]] = [
    # "Event patterns": the pattern and every nested value are objects or non-empty lists
    ("not-object", ["x"], "a pattern must be a JSON object"),
    ("bad-json", "{", "pattern is not valid JSON"),
    ("empty-pattern", {}, "empty objects are not allowed"),
    ("empty-nested", {"detail": {}}, "detail: empty objects are not allowed"),
    ("empty-list", {"detail": {"state": []}}, "detail.state: empty lists are not allowed"),
    ("scalar-leaf", {"source": "aws.ec2"}, "source: a pattern field must hold an object or a list"),
    ("nested-list", {"a": [["x"]]}, "a[0]: values must be strings, numbers, true, false or null"),
    (
        "two-operators",
        {"a": [{"prefix": "x", "suffix": "y"}]},
        "a[0]: an operator object holds exactly one operator",
    ),
    ("unknown-operator", {"a": ["x", {"contains": "y"}]}, "a[1]: unknown operator 'contains'"),
    # "Prefix / Suffix / Equals-ignore-case / Wildcard matching": string arguments
    ("prefix-number", {"a": [{"prefix": 1}]}, "a[0]: prefix takes a string"),
    ("wildcard-number", {"a": [{"wildcard": 1}]}, "a[0]: wildcard takes a string"),
    ("prefix-bad-inner", {"a": [{"prefix": {"wildcard": "x"}}]}, "a[0]: prefix takes a string or"),
    ("suffix-list", {"a": [{"suffix": [".png"]}]}, "a[0]: suffix takes a string"),
    (
        "equals-ignore-case-list",
        {"a": [{"equals-ignore-case": ["x"]}]},
        "a[0]: equals-ignore-case takes a string",
    ),
    (
        "wildcard-double-star",
        {"a": [{"wildcard": "a**b"}]},
        "a[0]: wildcard 'a**b': consecutive '*'",
    ),
    (
        "wildcard-bad-escape",
        {"a": [{"wildcard": "a\\b"}]},
        "a[0]: wildcard 'a\\\\b': backslash at position 1",
    ),
    (
        "wildcard-trailing-backslash",
        {"a": [{"wildcard": "a\\"}]},
        "a[0]: wildcard 'a\\\\': backslash",
    ),
    # "Anything-but matching": strings or numbers, not mixed; nested operator limited
    (
        "anything-but-mixed",
        {"a": [{"anything-but": ["x", 1]}]},
        "a[0]: anything-but values must be all strings or all numbers",
    ),
    (
        "anything-but-null",
        {"a": [{"anything-but": None}]},
        "a[0]: anything-but values must be all strings or all numbers",
    ),
    (
        "anything-but-bool",
        {"a": [{"anything-but": [True]}]},
        "a[0]: anything-but values must be all strings or all numbers",
    ),
    (
        "anything-but-empty",
        {"a": [{"anything-but": []}]},
        "a[0]: anything-but needs at least one value",
    ),
    (
        "anything-but-numeric",
        {"a": [{"anything-but": {"numeric": [">", 1]}}]},
        "a[0]: anything-but does not take 'numeric'",
    ),
    (
        "anything-but-empty-prefix",
        {"a": [{"anything-but": {"prefix": ""}}]},
        "a[0]: anything-but prefix cannot be empty",
    ),
    (
        "anything-but-prefix-number",
        {"a": [{"anything-but": {"prefix": 1}}]},
        "a[0]: anything-but prefix takes a string",
    ),
    (
        "anything-but-wildcard-bad",
        {"a": [{"anything-but": {"wildcard": ["*a", "b**"]}}]},
        "a[0]: wildcard 'b**'",
    ),
    (
        "anything-but-number-past-limit",
        {"a": [{"anything-but": 5000000001}]},
        "a[0]: anything-but value 5000000001 is outside",
    ),
    # "Numeric matching": operator/value pairs, ±5.0e9, six decimals, low before high
    (
        "numeric-odd",
        {"detail": {"severity": ["x", {"numeric": [">", 1, "<"]}]}},
        "detail.severity[1]: numeric needs an even number of operator/value items",
    ),
    ("numeric-not-list", {"a": [{"numeric": 5}]}, "a[0]: numeric takes a list"),
    ("numeric-empty", {"a": [{"numeric": []}]}, "a[0]: numeric takes a list"),
    (
        "numeric-bad-op",
        {"a": [{"numeric": ["!=", 1]}]},
        "a[0]: numeric operator '!=' is not one of",
    ),
    (
        "numeric-string-value",
        {"a": [{"numeric": [">", "1"]}]},
        "a[0]: numeric values must be all strings or all numbers, not '1'",
    ),
    (
        "numeric-past-limit",
        {"a": [{"numeric": ["<", 5.0e9 + 1]}]},
        "a[0]: numeric value 5000000001.0 is outside",
    ),
    (
        "numeric-below-limit",
        {"a": [{"numeric": [">", -6e9]}]},
        "a[0]: numeric value -6000000000.0 is outside",
    ),
    ("numeric-too-precise", {"a": [{"numeric": [">", 0.1234567]}]}, "has more than 6 decimals"),
    (
        "numeric-upper-first",
        {"a": [{"numeric": ["<", 5, ">", 0]}]},
        "a[0]: numeric takes one comparison, or a lower bound",
    ),
    (
        "numeric-three-pairs",
        {"a": [{"numeric": [">", 0, "<", 5, "<", 6]}]},
        "a[0]: numeric takes one comparison",
    ),
    (
        "numeric-eq-and-more",
        {"a": [{"numeric": ["=", 1, "<", 5]}]},
        "a[0]: numeric takes one comparison",
    ),
    (
        "numeric-empty-range",
        {"a": [{"numeric": [">", 5, "<", 5]}]},
        "a[0]: numeric lower bound must be less than",
    ),
    # "IP address matching"
    ("cidr-no-mask", {"a": [{"cidr": "10.0.0.1"}]}, "a[0]: cidr '10.0.0.1' needs one '/'"),
    (
        "cidr-mask-text",
        {"a": [{"cidr": "10.0.0.0/x"}]},
        "a[0]: cidr '10.0.0.0/x': the prefix length must be an integer",
    ),
    (
        "cidr-bad-address",
        {"a": [{"cidr": "10.0.0.256/24"}]},
        "a[0]: cidr '10.0.0.256/24' is not an IPv4 or IPv6 network",
    ),
    ("cidr-mask-too-long", {"a": [{"cidr": "::/129"}]}, "is not an IPv4 or IPv6 network"),
    ("cidr-number", {"a": [{"cidr": 10}]}, "a[0]: cidr takes a string"),
    # "Exists matching"
    ("exists-string", {"a": [{"exists": "true"}]}, "a[0]: exists takes true or false"),
    # "$or matching": two or more non-empty objects, no operator names as fields
    ("or-one", {"$or": [{"a": ["x"]}]}, "$or: $or needs at least two patterns"),
    ("or-not-list", {"$or": {"a": ["x"]}}, "$or: $or must hold a list of patterns"),
    (
        "or-scalar-alt",
        {"$or": [{"a": ["x"]}, "b"]},
        "$or[1]: each $or alternative must be an object",
    ),
    ("or-empty-alt", {"$or": [{"a": ["x"]}, {}]}, "$or[1]: empty objects are not allowed"),
    (
        "or-operator-name",
        {"$or": [{"numeric": [1]}, {"prefix": ["abc"]}]},
        "$or[0].numeric: 'numeric' is an operator",
    ),
    (
        "or-nested-error",
        {"detail": {"$or": [{"a": ["x"]}, {"b": [{"cidr": "x"}]}]}},
        "detail.$or[1].b[0]: cidr 'x' needs one '/'",
    ),
    # values from YAML that JSON does not have
    (
        "yaml-date",
        {"time": [date(2017, 10, 2)]},
        "time[0]: values must be strings, numbers",
    ),
]


@pytest.mark.parametrize(
    ("pattern", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_pattern_errors(pattern: Any, message: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert message in str(info.value)


def test_error_carries_path_and_message_apart() -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern({"detail": {"severity": [{"numeric": [">"]}]}})
    assert info.value.path == "detail.severity[0]"
    assert info.value.message.startswith("numeric needs an even number")


def test_or_combinations_are_bounded() -> None:
    # "$or matching": every $or multiplies the alternatives a pattern expands to
    group = {"$or": [{"a": ["1"]}, {"b": ["2"]}, {"c": ["3"]}, {"d": ["4"]}, {"e": ["5"]}]}
    ok = {"x": group, "y": group, "z": group, "w": group}  # 5**4 = 625
    assert compile_pattern(ok).combinations == 625
    too_many = {**ok, "v": group}  # 5**5 = 3125
    with pytest.raises(PatternError, match=f"at most {MAX_OR_COMBINATIONS}"):
        compile_pattern(too_many)


# --- laws ---------------------------------------------------------------------------------

_text = st.text(alphabet="abcAB*\\-.", max_size=6)


@settings(max_examples=200, deadline=None)
@given(excluded=st.lists(_text, min_size=1, max_size=3), value=_text)
def test_anything_but_is_the_complement_for_present_strings(
    excluded: list[str], value: str
) -> None:
    """ "Anything-but matching": for a present scalar string, exactly one of the two matches."""
    event = {"detail": {"f": value}}
    inside = compile_pattern({"detail": {"f": excluded}}).matches(event)
    outside = compile_pattern({"detail": {"f": [{"anything-but": excluded}]}}).matches(event)
    assert inside != outside


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(-1000, 1000),
    high=st.integers(-1000, 1000),
    value=st.one_of(
        st.integers(-1100, 1100), st.floats(-1100, 1100, allow_nan=False).map(lambda f: round(f, 3))
    ),
)
def test_numeric_range_agrees_with_arithmetic(low: int, high: int, value: float) -> None:
    """ "Numeric matching": ``[">=", low, "<", high]`` holds exactly when low <= value < high."""
    if low >= high:
        return
    pattern = compile_pattern({"n": [{"numeric": [">=", low, "<", high]}]})
    assert pattern.matches({"n": value}) is (low <= value < high)


@settings(max_examples=100, deadline=None)
@given(
    a=st.sampled_from(["x", "y", "z"]),
    b=st.sampled_from(["x", "y", "z"]),
    v=st.sampled_from(["x", "y", "z"]),
)
def test_or_of_two_patterns_is_either(a: str, b: str, v: str) -> None:
    """ "$or matching": ``{"$or": [P, Q]}`` matches exactly when P or Q does."""
    p, q = {"f": [a]}, {"g": [b]}
    event = {"f": v, "g": v}
    either = compile_pattern(p).matches(event) or compile_pattern(q).matches(event)
    assert compile_pattern({"$or": [p, q]}).matches(event) is either
