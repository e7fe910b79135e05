"""Every validation code has a policy that triggers it and a near miss that does not.

The table lives in ``validate_cases.py``; this file runs it and guards the registry:
at least 80 codes, each one in the table, each check documented.
"""

from __future__ import annotations

import pytest
from validate_cases import CASES, CLEAN, MORE_TRIGGERS, Case

from cloudwarden.iam.validate import Category, all_checks, validate_policy


def _codes(case: Case) -> set[str]:
    return {f.code for f in validate_policy(case.document, case.policy_type, case.resource_type)}


@pytest.mark.parametrize("code", sorted(CASES))
def test_trigger(code: str) -> None:
    trigger, _ = CASES[code]
    assert code in _codes(trigger)


@pytest.mark.parametrize("code", sorted(CASES))
def test_near_miss(code: str) -> None:
    _, near_miss = CASES[code]
    assert code not in _codes(near_miss)


def test_registry_has_at_least_80_codes_each_in_the_table() -> None:
    codes = {c.code for c in all_checks()}
    assert len(codes) >= 80
    assert codes == set(CASES)


def test_every_category_is_used_and_every_check_documented() -> None:
    checks = all_checks()
    assert {c.category for c in checks} == set(Category)
    for check in checks:
        assert check.description and check.description != check.code, check.code
        assert check.fix, check.code


def test_docs_list_every_code() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "iam-validate.md").read_text()
    missing = [
        c.code for c in all_checks() if f'<a id="{c.code.lower()}"></a>`{c.code}`' not in docs
    ]
    assert not missing


@pytest.mark.parametrize(("code", "case"), MORE_TRIGGERS, ids=[c for c, _ in MORE_TRIGGERS])
def test_more_triggers(code: str, case: Case) -> None:
    assert code in _codes(case)


@pytest.mark.parametrize("case", CLEAN, ids=[c.policy_type for c in CLEAN])
def test_good_policies_are_clean(case: Case) -> None:
    assert validate_policy(case.document, case.policy_type, case.resource_type) == []
