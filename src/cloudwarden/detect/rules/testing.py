"""Run the tests a native rule carries, on both engines.

A test's events are raw records as the source delivers them: CloudTrail JSON objects
(``eventID`` and ``eventTime`` filled in when missing, one second apart, so a threshold test
lists only what the rule reads), or VPC Flow Logs / S3 access log lines, which go through
the same line parsers as files do. The events run through a
:class:`~cloudwarden.detect.correlate.Detector` holding only the rule under test — so
thresholds and dedup take part — once per engine, and the number of alerts is compared
with the expectation (``alert``: at least one, ``no_alert``: none, ``alerts: N``: exactly N).
A test on which the rule's ``python:`` function raises fails, with the exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.matching import ENGINES, EngineName
from cloudwarden.detect.rules.hatch import hatch_counts, hatch_errors
from cloudwarden.detect.rules.ir import Rule, RuleTest
from cloudwarden.detect.sources import Event, SourceStats
from cloudwarden.detect.sources.cloudtrail import to_event
from cloudwarden.detect.sources.s3access import access_events
from cloudwarden.detect.sources.vpcflow import flow_events

__all__ = [
    "TEST_EPOCH",
    "RuleTestResult",
    "events_of",
    "missing_tests",
    "run_rule_tests",
    "run_tests",
]

#: when a CloudTrail test event gives no ``eventTime``, the first one happens at this time
TEST_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    """The outcome of one test case of one rule on one engine."""

    rule_id: str
    test: str
    engine: str
    passed: bool
    message: str
    path: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        verdict = "ok" if self.passed else "FAIL"
        return f"{where}: {self.rule_id}: {self.test!r} [{self.engine}]: {verdict}: {self.message}"


class _EventError(ValueError):
    """A test record the source's parser rejects."""


def events_of(rule: Rule, case: RuleTest) -> list[Event]:
    """The test's records as events of the rule's log source (ValueError for a bad record)."""
    origin = f"{rule.id}/{case.name}"
    if rule.service == "cloudtrail":
        return [_cloudtrail(rule, case, i, rec) for i, rec in enumerate(case.events)]
    lines = [str(e) for e in case.events]
    stats = SourceStats()
    if rule.service == "vpcflow":
        events = list(flow_events(lines, origin, stats))
    elif rule.service == "s3access":
        events = list(access_events(lines, origin, stats))
    else:
        raise _EventError(f"no test event reader for log source {rule.service!r}")
    if stats.problems:
        p = stats.problems[0]
        raise _EventError(f"test record {p.location} is not valid: {p.reason}")
    return events


def _cloudtrail(rule: Rule, case: RuleTest, i: int, rec: Any) -> Event:
    if not isinstance(rec, dict):
        raise _EventError(f"test record #{i + 1} is not a JSON object")
    record: dict[str, Any] = dict(rec)
    record.setdefault("eventID", f"{rule.id}:{case.name}:{i + 1}")
    if "eventTime" not in record:
        when = TEST_EPOCH + timedelta(seconds=i)
        record["eventTime"] = when.isoformat().replace("+00:00", "Z")
    event = to_event(record)
    if isinstance(event, str):
        raise _EventError(f"test record #{i + 1} is not a CloudTrail record: {event}")
    return event


def run_rule_tests(rule: Rule, engines: Sequence[EngineName] = ENGINES) -> list[RuleTestResult]:
    """Every test of ``rule`` on every engine in ``engines``."""
    results: list[RuleTestResult] = []
    for case in rule.tests:

        def result(engine: str, passed: bool, message: str, case: RuleTest = case) -> None:
            results.append(
                RuleTestResult(
                    rule.id, case.name, engine, passed, message, rule.source_path, case.line
                )
            )

        try:
            events = events_of(rule, case)
        except ValueError as exc:
            result("-", False, str(exc))
            continue
        for engine in engines:
            before = hatch_counts()
            alerts = Detector([rule], engine).process(events)
            n = len(alerts)
            got = f"{n} alert{'s' if n != 1 else ''}"
            raised = hatch_errors([rule], since=before)
            if raised:  # the rule's python function failed: the test fails, whatever the count
                result(engine, False, f"{raised[0]}; {got}")
            elif case.passes(n):
                result(engine, True, f"{case.expectation}: {got}")
            else:
                result(engine, False, f"expected {case.expectation}, got {got}")
    return results


def run_tests(
    rules: Iterable[Rule], engines: Sequence[EngineName] = ENGINES
) -> list[RuleTestResult]:
    """The tests of every rule, in rule order."""
    return [r for rule in rules for r in run_rule_tests(rule, engines)]


def missing_tests(rule: Rule) -> str | None:
    """Why the rule's tests do not show both sides (a built-in rule needs an alerting test and
    a quiet one), or None."""
    alerting = any(
        t.expect == "alert" or (isinstance(t.expect, int) and t.expect > 0) for t in rule.tests
    )
    quiet = any(t.expect in ("no_alert", 0) for t in rule.tests)
    if alerting and quiet:
        return None
    lacks = [
        w for w, have in (("an alerting test", alerting), ("a no_alert test", quiet)) if not have
    ]
    return f"needs {' and '.join(lacks)}"
