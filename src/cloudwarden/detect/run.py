"""Run detection rules over log sources: one alert per (rule, event) hit, and Findings from them.

``run_detection(specs, rules, engine=...)`` reads every source with
:func:`cloudwarden.detect.sources.read_events`, evaluates the rules with the streaming engine
(Python closures, one event at a time) or the batch engine (one fused DuckDB scan), and
returns one :class:`Alert` per rule hit, in event order then rule order, so the two engines'
results compare equal.

Which events a rule sees follows its Sigma log source: a rule for ``service: cloudtrail``
runs on CloudTrail events only (a VPC Flow Logs line has no ``eventName``, and a rule made of
``not`` conditions would otherwise match it); a rule that names no service runs on every event.

The batch engine takes CloudTrail events only; with ``engine="batch"`` the other kinds of
events, and any rule the SQL compiler reports as unsupported (see
:attr:`cloudwarden.detect.engines.sql.SqlEngine.unsupported`), are evaluated by the streaming
engine, whose semantics are the same reference semantics — the rule is listed in
:attr:`DetectionResult.unsupported` with that note, never silently dropped.

Alerts from Sigma rules carry the rule's ``author`` and ``rule_source`` (the attribution text
with the link to the SigmaHQ rule set), as the rules' licence, DRL 1.1, requires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cloudwarden.aws.session import AwsContext
from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules.ir import And, Expr, Keyword, Match, Not, Or, Rule
from cloudwarden.detect.rules.sigma import SIGMAHQ_URL
from cloudwarden.detect.sources import Event, SourceKind, SourceStats, read_events
from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Severity,
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

EngineName = Literal["stream", "batch"]
ENGINES: tuple[EngineName, ...] = ("stream", "batch")

#: Sigma ``logsource.service`` -> the event kind it describes
_SERVICE_KINDS: dict[str, SourceKind] = {
    "cloudtrail": "cloudtrail",
    "vpcflow": "vpcflow",
    "vpc_flow": "vpcflow",
    "vpcflowlogs": "vpcflow",
    "s3access": "s3access",
    "s3_access": "s3access",
    "s3": "s3access",
}


def severity_of(level: str) -> Severity:
    """A Sigma ``level`` as a cloudwarden severity (unknown or empty levels: medium)."""
    try:
        return Severity.parse(level or "medium")
    except ValueError:
        return Severity.MEDIUM


def rule_kinds(rule: Rule) -> frozenset[SourceKind] | None:
    """The event kinds a rule applies to; ``None``: every kind (its log source names no service)."""
    if rule.service is None:
        return None
    kind = _SERVICE_KINDS.get(rule.service.lower())
    return frozenset({kind}) if kind is not None else frozenset()


def rule_fields(rule: Rule) -> tuple[str, ...]:
    """The event fields a rule reads, from its IR (``*`` when it has keywords: every string)."""
    found: dict[str, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Match):
            found[e.field] = None
            if e.op.startswith("fieldref"):
                for v in e.values:
                    found[str(v)] = None
        elif isinstance(e, Keyword):
            found["*"] = None
        elif isinstance(e, Not):
            walk(e.arg)
        elif isinstance(e, (And, Or)):
            for a in e.args:
                walk(a)

    walk(rule.detection)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule matching one event (JSON-serialisable through :meth:`to_dict`)."""

    rule_id: str
    title: str
    severity: Severity
    attack: tuple[str, ...]
    tags: tuple[str, ...]
    event_id: str
    event_kind: str
    event_time: datetime
    account: str
    region: str
    rule_origin: str
    author: str = ""
    rule_source: str = ""
    license: str = ""
    rule_set_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.value,
            "attack": list(self.attack),
            "tags": list(self.tags),
            "event_id": self.event_id,
            "event_kind": self.event_kind,
            "event_time": self.event_time.isoformat(),
            "account": self.account,
            "region": self.region,
            "rule_origin": self.rule_origin,
            "author": self.author,
            "rule_source": self.rule_source,
            "license": self.license,
            "rule_set_url": self.rule_set_url,
        }


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


@dataclass(frozen=True, slots=True)
class _Meta:
    kind: str
    time: datetime
    account: str
    region: str


def _first_str(fields: dict[str, Any], *names: str) -> str:
    for name in names:
        v = fields.get(name)
        if v is not None and v != "":
            return str(v)
    return ""


def _meta(event: Event) -> _Meta:
    f = event.fields
    if event.source == "cloudtrail":
        account = _first_str(f, "recipientAccountId", "userIdentity.accountId")
        region = _first_str(f, "awsRegion")
    else:
        account = _first_str(f, "account-id", "account", "bucket_owner")
        region = _first_str(f, "region")
    return _Meta(event.source, event.time, account, region)


def _alert(rule: Rule, key: str, meta: _Meta) -> Alert:
    return Alert(
        rule_id=rule.id,
        title=rule.title,
        severity=severity_of(rule.level),
        attack=rule.attack_ids,
        tags=rule.tags,
        event_id=key,
        event_kind=meta.kind,
        event_time=meta.time,
        account=meta.account,
        region=meta.region,
        rule_origin=rule.source,
        author=rule.author,
        rule_source=rule.attribution,
        license=rule.license,
        rule_set_url=SIGMAHQ_URL if rule.source == "sigma" else "",
    )


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


def _split_by_kind(rules: Sequence[Rule]) -> dict[str, tuple[Rule, ...]]:
    out: dict[str, tuple[Rule, ...]] = {}
    for kind in ("cloudtrail", "vpcflow", "s3access"):
        out[kind] = tuple(r for r in rules if (k := rule_kinds(r)) is None or kind in k)
    return out


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
    rules = tuple(rules)
    stats = SourceStats()
    by_kind = _split_by_kind(rules)
    streams = {kind: StreamEngine(rs) for kind, rs in by_kind.items()}
    events = _events(specs, stats, aws, progress)
    if engine == "stream":
        alerts = [
            _alert(hit.rule, hit.event.key, _meta(hit.event))
            for ev in events
            for hit in streams[ev.source].run((ev,))
            if hit.event is not None
        ]
        return DetectionResult(alerts, stats)
    return _run_batch(events, by_kind, stats)


def _run_batch(
    events: Iterator[Event], by_kind: dict[str, tuple[Rule, ...]], stats: SourceStats
) -> DetectionResult:
    sql = SqlEngine(by_kind["cloudtrail"])
    unsupported = {
        rid: f"{why} (evaluated by the streaming engine instead)"
        for rid, why in sql.unsupported.items()
    }
    fallback_ct = StreamEngine(r for r in by_kind["cloudtrail"] if r.id in sql.unsupported)
    others = {k: StreamEngine(rs) for k, rs in by_kind.items() if k != "cloudtrail"}
    order = {r.id: i for i, r in enumerate(by_kind["cloudtrail"])}
    rules_by_id = {r.id: r for r in by_kind["cloudtrail"]}
    # position and metadata per event key, gathered as the events stream into DuckDB
    # (an eventID seen twice, e.g. the same file read twice, gives one SQL row per copy)
    position: dict[str, list[int]] = {}
    used: dict[tuple[str, str], int] = {}
    metas: list[_Meta] = []
    pending: list[tuple[int, int, Alert]] = []

    def cloudtrail_only() -> Iterator[Event]:
        for ev in events:
            idx = len(metas)
            meta = _meta(ev)
            metas.append(meta)
            if ev.source == "cloudtrail":
                position.setdefault(ev.key, []).append(idx)
                for hit in fallback_ct.run((ev,)):
                    pending.append((idx, order[hit.rule.id], _alert(hit.rule, ev.key, meta)))
                yield ev
            else:
                for i, hit in enumerate(others[ev.source].run((ev,))):
                    pending.append((idx, i, _alert(hit.rule, ev.key, meta)))

    for rule_id, key in sql.run(cloudtrail_only()):
        nth = used.get((rule_id, key), 0)
        used[(rule_id, key)] = nth + 1
        idx = position[key][nth]
        pending.append((idx, order[rule_id], _alert(rules_by_id[rule_id], key, metas[idx])))
    pending.sort(key=lambda t: (t[0], t[1]))
    return DetectionResult([a for _, _, a in pending], stats, unsupported)


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
        times = sorted(a.event_time for a in items)
        evidence: dict[str, Any] = {
            "event_ids": [a.event_id for a in items],
            "event_kind": first.event_kind,
            "first_seen": times[0].isoformat(),
            "last_seen": times[-1].isoformat(),
            "attack": list(first.attack),
        }
        if first.author:
            evidence["author"] = first.author
        if first.rule_source:
            evidence["rule_source"] = first.rule_source
        if first.license:
            evidence["license"] = first.license
        n = len(items)
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
