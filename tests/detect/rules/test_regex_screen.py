"""The substring screen in front of ``re`` tests: exact, never a different answer.

Sigma's ``re`` modifier is a regular-expression search (case-sensitive unless the pattern
says ``(?i)``). The evaluator first checks that the text holds the longest literal run every
match must contain; these tests hold the screened test to a plain ``re.search``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.detect.rules.evaluate import _regex, required_literal


@pytest.mark.parametrize(
    ("pattern", "flags", "literal"),
    [
        (".+:assumed-role/aws:.+", 0, ":assumed-role/aws:"),
        (":assumed-role/[^/]+/i-[0-9a-f]{8,17}$", 0, ":assumed-role/"),
        ("ab(c|d)efg", 0, "efg"),  # a group ends a run
        (r"a\.bcd", 0, "a.bcd"),  # an escaped dot is a literal
        ("x*abc", 0, "abc"),
        ("abc|xyz", 0, ""),  # a top-level branch: neither side is required
        (r"^ab\dcdef$", 0, "cdef"),
        ("(?i)abcd", 0, ""),  # case folding: the literal need not appear as written
        ("ABCD", re.IGNORECASE, ""),
        ("ab", 0, ""),  # too short to pay
        ("(?x) a b c d", 0, "abcd"),  # verbose: spaces are not part of the pattern
    ],
)
def test_required_literal(pattern: str, flags: int, literal: str) -> None:
    assert required_literal(re.compile(pattern, flags)) == literal


PATTERNS = [
    ".+:assumed-role/aws:.+",
    ":assumed-role/[^/]+/i-[0-9a-f]{8,17}$",
    "ab(c|d)efg",
    "x*abc",
    r"^a.b\.c",
    "(?i)AbC",
]
ALPHABET = "abcdefgix-/:.ABC0123456789"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet=ALPHABET, max_size=40), st.data())
def test_screened_search_answers_like_re_search(pattern: str, text: str, data: st.DataObject) -> None:
    rx = re.compile(pattern)
    # plant the literal sometimes, so that matches are not all but impossible
    needle = required_literal(rx)
    if needle and data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut] + needle + text[cut:]
    assert _regex(rx)(text) is (rx.search(text) is not None)
