"""Replay of the Stratus Red Team AWS attack techniques through every detection rule.

Each file in ``data/`` holds the CloudTrail records one technique's detonation emits (after
Stratus Red Team's documentation of the technique and its published detonation logs; account
ids, addresses and names are this project's test values) and ``expect``, the rules that
docs/stratus-red-team.md says catch it: built-in ``cw-…`` ids and SigmaHQ rule ids. The
records are written as a delivered CloudTrail file (``{"Records": [...]}``) and read back by
:func:`cloudwarden.detect.run.run_detection` with all rules — the built-in native pack and the
packaged SigmaHQ rules — on both engines; every expected rule must raise an alert.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.detect.rules.ir import Rule
from cloudwarden.detect.rules.native import builtin_native_rules
from cloudwarden.detect.rules.sigma import builtin_sigma_rules
from cloudwarden.detect.run import run_detection

DATA = Path(__file__).parent / "data"
DOC = Path(__file__).parents[3] / "docs" / "stratus-red-team.md"
CASES = sorted(DATA.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@cache
def _rules() -> tuple[Rule, ...]:
    native = builtin_native_rules()
    sigma = builtin_sigma_rules()
    assert not native.problems, [str(p) for p in native.problems]
    return native.rules + sigma.rules


def test_every_technique_has_replay_data() -> None:
    assert len(CASES) >= 35
    techniques = {_load(p)["technique"] for p in CASES}
    assert len(techniques) == len(CASES)
    for path in CASES:
        case = _load(path)
        assert path.stem == case["technique"]
        assert case["expect"], f"{path.name}: no rule named"
        assert case["Records"], f"{path.name}: no records"


def test_expected_rules_exist() -> None:
    ids = {r.id for r in _rules()}
    for path in CASES:
        missing = set(_load(path)["expect"]) - ids
        assert not missing, f"{path.name}: unknown rule ids {sorted(missing)}"


def test_doc_lists_every_technique_with_its_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in text.splitlines()
        if line.startswith("| `aws.")
    }
    for path in CASES:
        case = _load(path)
        row = rows.get(case["technique"])
        assert row is not None, f"{case['technique']} missing from {DOC.name}"
        for rule_id in case["expect"]:
            assert rule_id in row, f"{case['technique']}: {rule_id} not named in {DOC.name}"


@pytest.mark.parametrize("engine", ["stream", "batch"])
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_technique_is_detected(path: Path, engine: str, tmp_path: Path) -> None:
    case = _load(path)
    folder = (
        tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "11" / "27"
    )
    folder.mkdir(parents=True)
    name = f"111122223333_CloudTrail_us-east-1_20261127T1000Z_{path.stem}.json"
    (folder / name).write_text(json.dumps({"Records": case["Records"]}), encoding="utf-8")
    result = run_detection([str(tmp_path)], _rules(), engine=engine)  # type: ignore[arg-type]
    assert result.stats.unparseable == 0
    raised = {a.rule_id for a in result.alerts}
    missing = [r for r in case["expect"] if r not in raised]
    assert not missing, f"{case['technique']}: no alert from {missing}; raised {sorted(raised)}"
