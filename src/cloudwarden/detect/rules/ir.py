"""The one intermediate representation of a detection rule, whatever language it was written in.

A rule is metadata plus a boolean expression tree over :class:`Match` leaves. The tree is
deliberately small so that every engine (the reference evaluator in :mod:`.evaluate`, SQL for
DuckDB/Spark, streaming closures) can compile it completely; anything a source language says
that does not fit is reported by the loader as unsupported rather than approximated.

Value semantics are those of the Sigma specification (see :mod:`.evaluate` for the details):
string comparison is case-insensitive unless ``cased``; a field path is dotted and may cross
lists (any element may match); a missing field never satisfies a positive :class:`Match`.

Sigma modifiers that *generate* values (``windash``, ``base64``, ``base64offset``, ``wide``)
are expanded by pySigma when the rule is parsed; the expanded values arrive here as an
:class:`Or` of plain matches, and the modifier names are kept in :attr:`Match.modifiers` for
provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

Op = Literal[
    "equals",  # whole value equal (case-insensitive unless cased)
    "wildcard",  # whole value matches a Sigma pattern: * any run, ? one char, \ escapes
    "contains",
    "startswith",
    "endswith",
    "re",  # Python regex, unanchored search; flags in regex_flags ("i", "m", "s")
    "cidr",  # IPv4/IPv6 address inside the network
    "exists",  # values = (True,) field present and not null; (False,) absent or null
    "null",  # field absent or null (Sigma `field: null`)
    "lt",
    "lte",
    "gt",
    "gte",
    "neq",  # numeric comparisons; the field must hold a number or a numeric string
    "fieldref",  # equal to the value(s) of another field (values are field names)
    "fieldref_startswith",
    "fieldref_endswith",
]

Value: TypeAlias = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Match:
    """One field condition. ``values`` are OR-linked, or AND-linked when ``all`` is set."""

    field: str
    op: Op
    values: tuple[Value, ...] = ()
    all: bool = False
    cased: bool = False
    regex_flags: str = ""
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Keyword:
    """Sigma keywords: a Sigma wildcard pattern searched (unanchored) in every string of the event."""

    values: tuple[str, ...]
    all: bool = False


@dataclass(frozen=True, slots=True)
class And:
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    arg: Expr


Expr: TypeAlias = And | Or | Not | Match | Keyword


@dataclass(frozen=True, slots=True)
class Threshold:
    """``count OP N [by F…] within D`` or ``count(distinct F) OP N …`` (docs/detection-rules.md).

    ``within`` is in seconds; ``distinct`` names the field whose distinct values are counted
    instead of the hits.
    """

    op: Literal[">", ">="]
    count: int
    within: int
    by: tuple[str, ...] = ()
    distinct: str | None = None

    def met(self, n: int) -> bool:
        return n > self.count if self.op == ">" else n >= self.count

    def __str__(self) -> str:
        what = f"count(distinct {self.distinct})" if self.distinct else "count"
        by = f" by {', '.join(self.by)}" if self.by else ""
        return f"{what} {self.op} {self.count}{by} within {self.within}s"


@dataclass(frozen=True, slots=True)
class Dedup:
    """Alerts of one rule with the same ``by`` values within ``suppress`` seconds are one alert."""

    by: tuple[str, ...]
    suppress: int


@dataclass(frozen=True, slots=True)
class RuleTest:
    """One test case of a rule: raw records and the expected outcome.

    ``expect`` is ``"alert"`` (at least one), ``"no_alert"`` (none) or an exact alert count.
    ``events`` are the records as the source delivers them: CloudTrail JSON objects, or flow /
    access log lines as strings.
    """

    name: str
    events: tuple[dict[str, Any] | str, ...]
    expect: Literal["alert", "no_alert"] | int
    line: int | None = None

    def passes(self, alerts: int) -> bool:
        if self.expect == "alert":
            return alerts >= 1
        if self.expect == "no_alert":
            return alerts == 0
        return alerts == self.expect

    @property
    def expectation(self) -> str:
        return self.expect if isinstance(self.expect, str) else f"alerts: {self.expect}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A detection rule with the metadata alerts carry (DRL 1.1 needs ``author`` and ``attribution``).

    ``threshold``, ``dedup``, ``runbook``, ``playbook``, ``python`` and ``tests`` come from
    native rules (Sigma rules leave them empty); ``python`` is a ``module:function`` reference
    AND-ed after the detection (see :mod:`cloudwarden.detect.rules.hatch`).
    """

    id: str
    title: str
    detection: Expr
    description: str = ""
    level: str = "medium"  # informational | low | medium | high | critical
    status: str = ""
    author: str = ""
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # "attack.t1562.008", "attack.defense-evasion", ...
    product: str | None = None
    service: str | None = None
    category: str | None = None
    falsepositives: tuple[str, ...] = ()
    source: Literal["sigma", "native"] = "native"
    source_path: str = ""
    license: str = ""
    attribution: str = ""
    threshold: Threshold | None = None
    dedup: Dedup | None = None
    runbook: str = ""
    playbook: str = ""
    python: str = ""
    tests: tuple[RuleTest, ...] = field(default=(), hash=False, compare=False)

    @property
    def attack_ids(self) -> tuple[str, ...]:
        """MITRE ATT&CK technique ids among the tags, e.g. ``("T1562.008",)``."""
        return tuple(
            t.removeprefix("attack.").upper()
            for t in self.tags
            if t.startswith("attack.t") and t[8:9].isdigit()
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a rule file, located like pySigma does (file, line when known)."""

    path: str
    message: str
    kind: Literal["invalid", "unsupported"] = "invalid"
    rule_id: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    rules: tuple[Rule, ...]
    problems: tuple[Problem, ...]

    @property
    def unsupported(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind == "unsupported")


#: CloudTrail fields an alert carries as its ``context`` when its rule suggests a playbook:
#: what incident-response playbooks take their parameters from (the key, the user, the
#: bucket, the group, the trail, the key id, the instance of the triggering event).
CONTEXT_FIELDS: tuple[str, ...] = (
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.userName",
    "userIdentity.accessKeyId",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "sourceIPAddress",
    "requestParameters.userName",
    "requestParameters.bucketName",
    "requestParameters.groupId",
    "requestParameters.name",
    "requestParameters.keyId",
    "requestParameters.instanceId",
    "requestParameters.detectorId",
)


def carries_context(rule: Rule) -> bool:
    """Whether alerts of ``rule`` carry :data:`CONTEXT_FIELDS` (it suggests a playbook)."""
    return bool(rule.playbook) and rule.service == "cloudtrail"


def correlation_fields(rule: Rule) -> tuple[str, ...]:
    """The fields whose values a hit of ``rule`` must carry: those its threshold and dedup
    group or count on, and the context fields when it suggests a playbook."""
    names: list[str] = []
    if rule.threshold is not None:
        names.extend(rule.threshold.by)
        if rule.threshold.distinct:
            names.append(rule.threshold.distinct)
    if rule.dedup is not None:
        names.extend(rule.dedup.by)
    if carries_context(rule):
        names.extend(CONTEXT_FIELDS)
    return tuple(dict.fromkeys(names))
