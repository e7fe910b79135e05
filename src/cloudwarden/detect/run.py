"""Run detection rules over log sources, and turn alerts into Findings.

``run_detection(specs, rules, engine=...)`` reads every source with
:func:`cloudwarden.detect.sources.read_events` and hands the events to one
:class:`~cloudwarden.detect.correlate.Detector`: the streaming engine (Python closures, one
event at a time) or the batch engine (one fused DuckDB scan) finds the rule hits
(:mod:`cloudwarden.detect.matching`), then thresholds and dedup make alerts of them
(:mod:`cloudwarden.detect.correlate`). Alerts come in the order of the event that raised
them, then rule order, so the two engines' results compare equal.

With ``engine="batch"`` and only local files and folders to read, DuckDB reads the
CloudTrail files itself and matches them in one fused scan
(:class:`~cloudwarden.detect.engines.sql_files.SqlFileScan`, through
:meth:`Detector.process_files <cloudwarden.detect.correlate.Detector.process_files>`): the
files it leaves to Python (other log kinds, irregular records, records that a rule with a
``python:`` function may match) are read by the same reader and matched by the streaming
engine, in their place in the file order. With an ``s3://`` or ``LookupEvents`` source among
the specs, or a CloudTrail rule the file scan cannot take, the events are read by
:func:`~cloudwarden.detect.sources.read_events` and the CloudTrail ones loaded into DuckDB;
the other kinds of events, and any rule the SQL compiler reports as unsupported (see
:attr:`cloudwarden.detect.engines.sql.SqlEngine.unsupported`; rules with a ``python:``
function among them), are evaluated by the streaming engine, whose semantics are the same
reference semantics — the rule is listed in :attr:`DetectionResult.unsupported` with that
note, never silently dropped.

Alerts from Sigma rules carry the rule's ``author`` and ``rule_source`` (the attribution text
with the link to the SigmaHQ rule set), as the rules' licence, DRL 1.1, requires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.alert import Alert, alert_id, severity_of
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.matching import ENGINES, EngineName, rule_fields, rule_kinds
from cloudwarden.detect.rules.ir import Rule
from cloudwarden.detect.sources import Event, SourceStats, read_events
from cloudwarden.detect.sources.remote import is_local
from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Status,
    stable_finding_id,
)

__all__ = [
    "ENGINES",
    "Alert",
    "DetectionResult",
    "EngineName",
    "alerts_to_findings",
    "rule_fields",
    "rule_kinds",
    "run_detection",
    "severity_of",
]


@dataclass
class DetectionResult:
    alerts: list[Alert]
    stats: SourceStats
    #: rule id -> why (part of) it did not run as asked
    unsupported: dict[str, str] = field(default_factory=dict)

    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for a in self.alerts:
            counts[a.rule_id] = counts.get(a.rule_id, 0) + 1
        return counts


def _events(
    specs: Sequence[str],
    stats: SourceStats,
    aws: AwsContext | None,
    progress: Callable[[int], None] | None,
) -> Iterator[Event]:
    n = 0
    for spec in specs:
        for ev in read_events(spec, aws=aws, stats=stats):
            yield ev
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(n)
    if progress is not None:
        progress(n)


def run_detection(
    specs: Sequence[str],
    rules: Iterable[Rule],
    engine: EngineName = "stream",
    aws: AwsContext | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> DetectionResult:
    """Evaluate ``rules`` over the events of every source in ``specs``.

    A source that cannot be read at all raises
    :class:`cloudwarden.detect.sources.SourceError`; unparseable records are counted in
    :attr:`DetectionResult.stats`. ``progress(n)`` is called with the number of events read.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    stats = SourceStats()
    detector = Detector(rules, engine)
    if detector.reads_files and all(is_local(s) for s in specs):
        alerts = detector.process_files(specs, stats, progress)
    else:
        alerts = detector.process(_events(specs, stats, aws, progress))
    return DetectionResult(alerts, stats, dict(detector.unsupported))


def alerts_to_findings(alerts: Iterable[Alert]) -> list[Finding]:
    """One FAIL :class:`Finding` (source RULE, area DETECTION) per rule, account and region.

    The matched event ids are the evidence; the finding id is stable across runs for the
    same rule, account and region.
    """
    groups: dict[tuple[str, str, str], list[Alert]] = {}
    for a in alerts:
        groups.setdefault((a.rule_id, a.account, a.region), []).append(a)
    findings: list[Finding] = []
    for (rule_id, account, region), items in groups.items():
        first = items[0]
        times = sorted(t for a in items for t in (a.event_time, a.last_time) if t is not None)
        evidence: dict[str, Any] = {
            "event_ids": [e for a in items for e in (a.event_ids or (a.event_id,))],
            "alert_ids": [a.alert_id or alert_id(a.rule_id, a.event_ids) for a in items],
            "event_kind": first.event_kind,
            "first_seen": times[0].isoformat(),
            "last_seen": times[-1].isoformat(),
            "attack": list(first.attack),
        }
        if first.runbook:
            evidence["runbook"] = first.runbook
        if first.playbook:
            evidence["playbook"] = first.playbook
        suppressed = sum(a.suppressed for a in items)
        if suppressed:
            evidence["suppressed"] = suppressed
        if first.author:
            evidence["author"] = first.author
        if first.rule_source:
            evidence["rule_source"] = first.rule_source
        if first.license:
            evidence["license"] = first.license
        n = sum(a.count for a in items)
        findings.append(
            Finding(
                id=stable_finding_id(f"rule:{rule_id}", account, region, first.event_kind),
                source=FindingSource.RULE,
                source_id=rule_id,
                title=first.title,
                status=Status.FAIL,
                severity=first.severity,
                area=Area.DETECTION,
                account=account,
                region=region,
                resource_arn="",
                resource_type=f"log:{first.event_kind}",
                status_reason=f"{n} matching event{'s' if n != 1 else ''}",
                evidence=evidence,
            )
        )
    return findings
