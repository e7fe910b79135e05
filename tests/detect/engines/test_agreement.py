"""The batch and streaming engines agree alert for alert, with the whole rule pack.

The rule pack is the SigmaHQ CloudTrail set plus the built-in native CloudTrail rules; the
logs are a generated corpus, the lab's simulated attacks (delivered as CloudTrail and VPC
Flow Logs deliver them) and the Stratus Red Team replays. Rules the SQL compiler reports as
unsupported run on the streaming engine in the batch path, so they are compared there only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.detect.corpus import generate_records, write_cloudtrail
from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.engines.sql_files import SqlFileScan
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules import Rule, builtin_sigma_rules
from cloudwarden.detect.rules.native import builtin_native_rules
from cloudwarden.detect.sources import SourceStats, read_events

pytest.importorskip("duckdb")

STRATUS = Path(__file__).parents[1] / "stratus" / "data"


def pack() -> list[Rule]:
    native = [r for r in builtin_native_rules().rules if r.service in (None, "cloudtrail")]
    return [*builtin_sigma_rules().rules, *native]


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    scan = SqlFileScan(pack())
    assert len(scan.predicates) >= 100, scan.unsupported
    return [r for r in pack() if r.id in scan.predicates]


def agree(rules: list[Rule], root: Path) -> int:
    stats = SourceStats()
    engine = StreamEngine(rules)
    want = [
        (h.rule.id, h.event_id)
        for ev in read_events(str(root), stats=stats)
        if ev.source == "cloudtrail"
        for h in engine.run((ev,))
    ]
    got_stats = SourceStats()
    got = [(h.rule_id, h.event_id) for h in SqlFileScan(rules).scan([root], got_stats)]
    assert got == want
    assert (got_stats.files, got_stats.events, got_stats.unparseable) == (
        stats.files,
        stats.events,
        stats.unparseable,
    )
    return len(want)


def test_generated_corpus(rules: list[Rule], tmp_path: Path) -> None:
    write_cloudtrail(tmp_path, generate_records(20_000, seed=21, odd_rate=0.001), per_file=1000)
    assert agree(rules, tmp_path) > 10_000


def test_lab_attack_logs(rules: list[Rule], tmp_path: Path) -> None:
    from cloudwarden.lab.attacks import example_targets, log_files, simulate, write_to_folder

    targets = example_targets()
    write_to_folder(tmp_path, log_files(simulate(targets, seed=7), targets))
    assert agree(rules, tmp_path) > 100


def test_stratus_replays(rules: list[Rule]) -> None:
    assert agree(rules, STRATUS) > 0


def test_events_table_path_agrees_too(rules: list[Rule]) -> None:
    """``SqlEngine.run`` (events parsed by Python, loaded into DuckDB) on the same pack."""
    stats = SourceStats()
    events = list(read_events(str(STRATUS), stats=stats))
    engine = SqlEngine(rules)
    rules = [r for r in rules if r.id in engine.predicates]  # it has a shallower path limit
    want = sorted((h.rule.id, h.event_id or "") for h in StreamEngine(rules).run(events))
    assert engine.run(events) == want
