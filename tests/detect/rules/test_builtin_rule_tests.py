"""Every built-in native rule carries tests showing both sides, and they pass on both engines."""

from __future__ import annotations

import pytest

from cloudwarden.detect.rules import Rule, builtin_native_rules
from cloudwarden.detect.rules.testing import missing_tests, run_rule_tests

BUILTIN = builtin_native_rules()


def test_the_builtin_pack_loads_cleanly() -> None:
    assert BUILTIN.problems == (), "\n".join(str(p) for p in BUILTIN.problems)
    assert BUILTIN.rules


@pytest.mark.parametrize("rule", BUILTIN.rules, ids=lambda r: r.id)
def test_builtin_rule_tests_pass(rule: Rule) -> None:
    assert missing_tests(rule) is None, f"{rule.source_path}: {missing_tests(rule)}"
    failures = [str(r) for r in run_rule_tests(rule) if not r.passed]
    assert not failures, "\n".join(failures)
