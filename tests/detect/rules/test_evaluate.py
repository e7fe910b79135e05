"""The reference semantics, one row per rule of the Sigma specification it encodes.

Sections cited refer to the Sigma rules specification (sigma-specification,
``specification/sigma-rules-specification.md``) and its modifiers appendix
(``appendix/sigma-modifiers-appendix.md``).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from cloudwarden.detect.rules import And, Keyword, Match, Not, Or, compile_expr, load_sigma, matches

EVENT: dict[str, Any] = {
    "eventName": "ConsoleLogin",
    "eventSource": "signin.amazonaws.com",
    "sourceIPAddress": "203.0.113.7",
    "userAgent": "Mozilla/5.0 (Windows NT 10.0)",
    "errorCode": None,
    "readOnly": False,
    "apiVersion": 3,
    "additionalEventData": {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"},
    "userIdentity": {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::1:user/alice"},
    "requestParameters": {
        "userName": "Alice",
        "ipPermissions": {
            "items": [
                {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}},
                {"ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}},
            ]
        },
        "layers": ["arn:aws:lambda:us-east-1:1:layer:evil:1"],
    },
    "flat.dotted.key": "yes",
}

CASES: list[tuple[str, Any, bool]] = [
    # Detection > Field: plain strings are case-insensitive exact matches.
    ("case-insensitive equals", Match("additionalEventData.MFAUsed", "equals", ("NO",)), True),
    ("equals is whole value", Match("eventName", "equals", ("Console",)), False),
    # Modifiers appendix: cased makes the comparison case-sensitive.
    ("cased mismatch", Match("additionalEventData.MFAUsed", "equals", ("NO",), cased=True), False),
    ("cased match", Match("additionalEventData.MFAUsed", "equals", ("No",), cased=True), True),
    # Detection > Lists: values of one field are OR-linked.
    ("value list is OR", Match("eventName", "equals", ("StopLogging", "consolelogin")), True),
    # Modifiers appendix: all links the values with AND.
    ("all: every value", Match("userAgent", "contains", ("mozilla", "windows"), all=True), True),
    ("all: one missing", Match("userAgent", "contains", ("mozilla", "linux"), all=True), False),
    # Wildcards & escaping: * any run, ? one character, \ escapes them.
    ("wildcard *", Match("eventSource", "wildcard", ("*.AMAZONAWS.com",)), True),
    ("wildcard ?", Match("eventName", "wildcard", ("Console?ogin",)), True),
    ("wildcard ? is one char", Match("eventName", "wildcard", ("Console?login",)), False),
    ("escaped * is literal", Match("eventName", "wildcard", ("Console\\*",)), False),
    ("lone * needs a value", Match("errorCode", "wildcard", ("*",)), False),
    # Modifiers appendix: contains / startswith / endswith (case-insensitive).
    ("contains", Match("userAgent", "contains", ("WINDOWS NT",)), True),
    ("startswith", Match("eventSource", "startswith", ("SignIn.",)), True),
    ("endswith", Match("eventSource", "endswith", (".COM",)), True),
    ("endswith miss", Match("eventSource", "endswith", (".org",)), False),
    # Modifiers appendix: re, case-sensitive unless i; i/m/s flags.
    ("re search", Match("userIdentity.arn", "re", (r":user/\w+$",)), True),
    ("re case-sensitive", Match("eventName", "re", ("^consolelogin$",)), False),
    ("re i flag", Match("eventName", "re", ("^consolelogin$",), regex_flags="i"), True),
    # Modifiers appendix: cidr over IPv4 and IPv6; non-addresses never match.
    ("cidr v4", Match("sourceIPAddress", "cidr", ("203.0.113.0/24",)), True),
    ("cidr v4 outside", Match("sourceIPAddress", "cidr", ("198.51.100.0/24",)), False),
    ("cidr on non-ip", Match("eventSource", "cidr", ("0.0.0.0/0",)), False),
    # Detection > null: `field: null` means absent or JSON null.
    ("null on JSON null", Match("errorCode", "null"), True),
    ("null on absent", Match("errorMessage", "null"), True),
    ("null on value", Match("eventName", "null"), False),
    # Modifiers appendix: exists.
    ("exists true", Match("eventName", "exists", (True,)), True),
    ("exists false on absent", Match("errorMessage", "exists", (False,)), True),
    ("exists on JSON null", Match("errorCode", "exists", (True,)), False),
    # Modifiers appendix: lt/lte/gt/gte on numbers and numeric strings.
    ("gt", Match("apiVersion", "gt", (2,)), True),
    ("lte", Match("apiVersion", "lte", (2,)), False),
    ("compare non-number", Match("eventName", "lt", (5,)), False),
    # Numbers and booleans compare through their text (documented choice in evaluate.py).
    ("number vs number", Match("apiVersion", "equals", (3,)), True),
    ("string '3' vs number", Match("apiVersion", "equals", ("3",)), True),
    ("bool vs 'false'", Match("readOnly", "equals", ("FALSE",)), True),
    # Modifiers appendix: fieldref compares two fields of the same event.
    ("fieldref", Match("userIdentity.userName", "fieldref", ("requestParameters.userName",)), True),
    ("fieldref miss", Match("eventName", "fieldref", ("eventSource",)), False),
    # Field names are dotted paths; crossing a list, any element may match.
    (
        "path across lists",
        Match(
            "requestParameters.ipPermissions.items.ipRanges.items.cidrIp", "equals", ("0.0.0.0/0",)
        ),
        True,
    ),
    ("list of scalars", Match("requestParameters.layers", "contains", (":layer:evil",)), True),
    ("literal dotted key", Match("flat.dotted.key", "equals", ("YES",)), True),
    ("object as JSON text", Match("requestParameters", "contains", ('"userName":"Alice"',)), True),
    # Detection > missing fields never match a positive condition; under not they hold.
    ("missing field", Match("errorMessage", "equals", ("x",)), False),
    ("not over missing field", Not(Match("errorMessage", "equals", ("x",))), True),
    ("not over missing contains", Not(Match("nope.deeper", "contains", ("x",))), True),
    # Condition: and / or / not.
    (
        "and",
        And((Match("eventName", "equals", ("ConsoleLogin",)), Match("errorCode", "null"))),
        True,
    ),
    ("or", Or((Match("eventName", "equals", ("X",)), Match("eventName", "equals", ("Y",)))), False),
    # Keywords: searched anywhere in the event's string values.
    ("keyword", Keyword(("console.aws",)), True),
    ("keyword wildcard", Keyword(("alice*user",)), False),
    ("keyword all", Keyword(("alice", "windows"), all=True), True),
    ("keyword miss", Keyword(("bob",)), False),
]


@pytest.mark.parametrize(("expr", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_semantics(expr: Any, expected: bool) -> None:
    assert matches(expr, EVENT) is expected
    assert compile_expr(expr)(EVENT) is expected


def _sigma(detection: str) -> Any:
    text = "title: t\nid: 44444444-4444-4444-4444-444444444444\nlogsource: {product: aws}\n"
    text += "detection:\n" + textwrap.indent(textwrap.dedent(detection), "  ")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.yml"
        path.write_text(text)
        result = load_sigma([path])
    assert not result.problems, result.problems
    return result.rules[0]


SIGMA_CASES: list[tuple[str, str, bool]] = [
    # Condition: `1 of sel*` is OR over the matching identifiers.
    (
        "1 of",
        "sel_a: {eventName: X}\nsel_b: {eventName: consolelogin}\ncondition: 1 of sel_*",
        True,
    ),
    # Condition: `all of them` is AND over every identifier.
    (
        "all of them",
        "a: {eventName: ConsoleLogin}\nb: {eventSource: nope}\ncondition: all of them",
        False,
    ),
    # Detection > Maps: keys of one map are AND-linked; a list of maps is OR-linked.
    (
        "list of maps",
        "s:\n  - {eventName: X}\n  - {eventName: ConsoleLogin, errorCode: null}\ncondition: s",
        True,
    ),
    # Modifiers: contains|all.
    ("contains|all", "s: {userAgent|contains|all: [mozilla, windows]}\ncondition: s", True),
    # Modifiers: windash expands - and / (and dash variants), OR-linked.
    ("windash", "s: {userAgent|windash|contains: ' -x'}\ncondition: s", False),
    # Modifiers: base64 encodes the value.
    ("base64", "s: {eventName|base64: ConsoleLogin}\ncondition: s", False),
    # Modifiers: cidr, re with i flag.
    ("cidr", "s: {sourceIPAddress|cidr: 203.0.113.0/24}\ncondition: s", True),
    ("re|i", "s: {eventName|re|i: '^consolelogin$'}\ncondition: s", True),
    ("exists", "s: {errorMessage|exists: false}\ncondition: s", True),
    ("gte", "s: {apiVersion|gte: 3}\ncondition: s", True),
    (
        "fieldref",
        "s: {userIdentity.userName|fieldref: requestParameters.userName}\ncondition: s",
        True,
    ),
    # Keywords: a plain list under an identifier.
    ("keywords", "k: [nothing, 'signin.amazonaws']\ncondition: k", True),
    ("not", "s: {eventName: ConsoleLogin}\nf: {errorMessage: x}\ncondition: s and not f", True),
]


@pytest.mark.parametrize(
    ("detection", "expected"), [c[1:] for c in SIGMA_CASES], ids=[c[0] for c in SIGMA_CASES]
)
def test_sigma_detection_forms(detection: str, expected: bool) -> None:
    assert matches(_sigma(detection), EVENT) is expected


def test_windash_and_base64_expand_to_matching_values() -> None:
    event = {"cmd": "tool /x", "blob": "Q29uc29sZUxvZ2lu"}
    assert matches(_sigma("s: {cmd|windash|contains: ' -x'}\ncondition: s"), event)
    assert matches(_sigma("s: {blob|base64: ConsoleLogin}\ncondition: s"), event)
    assert matches(_sigma("s: {blob|base64offset|contains: ConsoleLogin}\ncondition: s"), event)
