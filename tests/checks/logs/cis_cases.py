"""The cases every CIS 5.x metric-filter check shares, written once.

Each ``test_logs_metric_filter_<item>.py`` subclasses ``CisMetricFilterCases`` as a
``Test…`` class that names its check, its CIS item and the filters that count the
wrong events; pytest then runs these tests for it, on the chain ``monitoring_snapshot``
(in ``conftest.py``) builds:

* PASS: the CIS filter as CIS writes it, and rewritten (terms reversed, no spaces,
  quoted values), feeding a metric whose alarm notifies a topic;
* FAIL: each wrong filter, which the check must not take for the CIS one;
* FAIL: the CIS filter whose alarm notifies nobody.

Imported as a plain module (``from cis_cases import …``): the suite runs with
``--import-mode=importlib``, so ``conftest.py`` puts this folder on ``sys.path``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

import pytest

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, findings_for

Build = Callable[..., Snapshot]
SCOPE = f"arn:aws:logs::{ACCOUNT}:account"


def rewritten(pattern: str) -> str:
    """The same ``eventName`` filter written differently: terms reversed, no spaces, quoted values."""
    names = list(reversed(re.findall(r"eventName = (\w+)", pattern)))
    assert names, f"no eventName terms to rewrite in {pattern}"
    body = "||".join(f'($.eventName="{name}")' for name in names)
    if "eventSource" not in pattern:
        return "{" + body + "}"
    source = re.search(r"eventSource = ([\w.]+)", pattern)
    assert source, f"no eventSource value in {pattern}"
    return "{(" + body + ')&&($.eventSource="' + source.group(1) + '")}'


class CisMetricFilterCases:
    """Base of one check's tests; not collected itself (its name does not start with Test)."""

    check: ClassVar[str]
    cis: ClassVar[str]
    # (pattern, why the check must FAIL it): filters that count other events than the item's.
    wrong: ClassVar[Sequence[tuple[str, str]]]
    # Filters that must PASS; by default the CIS filter and ``rewritten`` of it.
    passing: ClassVar[Sequence[str] | None] = None

    @classmethod
    def cis_pattern(cls) -> str:
        return CIS_MONITORS[cls.cis].pattern

    @classmethod
    def passing_patterns(cls) -> list[str]:
        if cls.passing is not None:
            return list(cls.passing)
        return [cls.cis_pattern(), rewritten(cls.cis_pattern())]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "pattern" in metafunc.fixturenames:
            metafunc.parametrize("pattern", self.passing_patterns())
        if "wrong_pattern" in metafunc.fixturenames:
            metafunc.parametrize(("wrong_pattern", "why"), self.wrong)

    def test_filter_with_alarmed_metric_passes(
        self, monitoring_snapshot: Build, pattern: str
    ) -> None:
        [finding] = findings_for(monitoring_snapshot(pattern), self.check)
        assert (finding.resource_arn, finding.status) == (SCOPE, Status.PASS)
        assert "alarmed by cis-alarm" in finding.status_reason

    def test_filter_that_counts_the_wrong_events_fails(
        self, monitoring_snapshot: Build, wrong_pattern: str, why: str
    ) -> None:
        [finding] = findings_for(monitoring_snapshot(wrong_pattern), self.check)
        assert finding.status is Status.FAIL, why
        assert "no metric filter on log group org-trail-logs" in finding.status_reason

    def test_matching_filter_whose_alarm_notifies_nobody_fails(
        self, monitoring_snapshot: Build
    ) -> None:
        [finding] = findings_for(monitoring_snapshot(self.cis_pattern(), actions=[]), self.check)
        assert finding.status is Status.FAIL
        assert (
            finding.status_reason
            == "alarm cis-alarm on metric CISBenchmark/CisMetric of filter cis has no enabled action"
        )
