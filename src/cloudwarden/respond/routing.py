"""Incident routing: which playbook answers an alert or a finding, and in which mode.

Alerts and findings are first turned into one *incident document* shaped like an
EventBridge event, so routes are written as ordinary EventBridge event patterns
(:mod:`cloudwarden.respond.patterns`)::

    {"version": "0", "id": <alert_id | finding id>, "time": <ISO time>,
     "source": "cloudwarden.detect" | "cloudwarden.check" | "cloudwarden.iam",
     "detail-type": "Alert" | "Finding",
     "account": "111122223333", "region": "us-east-1",
     "environment": "aws" | "lab",
     "resources": [<ARN>, ...],
     "detail": {...the alert's keys, or the finding's fields...}}

``environment`` is cloudwarden's one addition to the envelope: it lets the shipped routes
run playbooks unattended in the lab and ask for approval everywhere else.

Routes are tried in file order and the **first** match decides. A playbook changes live
infrastructure; two playbooks answering the same incident could undo or race each other,
so one incident gets one decision, and a route file reads like a firewall rule list:
specific routes first, broad ones last. :meth:`Router.explain` lists every route that
would match, for reviewing a file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cloudwarden.model import Finding, FindingSource, Severity
from cloudwarden.respond.patterns import Pattern, PatternError, compile_pattern

__all__ = [
    "DEFAULT_ROUTES",
    "Mode",
    "Route",
    "RouteDecision",
    "Router",
    "RoutingError",
    "incident_from_alert",
    "incident_from_finding",
    "load_routes",
]

DEFAULT_ROUTES = "routes.yml"
"""The route file shipped in this package (see ``docs/respond-routing.md``)."""

ROUTE_KEYS = frozenset({"name", "match", "playbook", "mode", "accounts", "regions", "description"})
_REFERENCE = re.compile(r"^\$\{\s*([A-Za-z_][\w\-]*(?:\.[A-Za-z_][\w\-]*)*)\s*\}$")
_SOURCES = {
    FindingSource.CHECK: "cloudwarden.check",
    FindingSource.IAM: "cloudwarden.iam",
    FindingSource.RULE: "cloudwarden.detect",
}


class Mode(StrEnum):
    """How a routed playbook runs: unattended, after a person approves, or as a rehearsal."""

    AUTO = "auto"
    APPROVE = "approve"
    DRY_RUN = "dry-run"


class RoutingError(ValueError):
    """Problems in a route file, each located as ``file:routes[i].match.detail...``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """What to run for one incident: the playbook, its mode, and the route that chose it."""

    playbook: str
    mode: Mode
    route: str


@dataclass(frozen=True, slots=True)
class Route:
    """One rule: an event pattern, optional account/region scope, and the playbook to run.

    ``playbook`` is either an id or ``${path}``, a reference into the incident document
    (``${detail.playbook}`` runs the playbook a detection rule suggests); a reference that
    resolves to no non-empty string makes the route not apply.
    """

    name: str
    pattern: Pattern
    playbook: str
    mode: Mode
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    description: str = ""

    def decide(self, doc: Mapping[str, Any]) -> RouteDecision | None:
        if self.accounts and doc.get("account") not in self.accounts:
            return None
        if self.regions and doc.get("region") not in self.regions:
            return None
        if not self.pattern.matches(doc):
            return None
        playbook = _resolve(self.playbook, doc)
        return RouteDecision(playbook, self.mode, self.name) if playbook else None


def _resolve(playbook: str, doc: Mapping[str, Any]) -> str:
    m = _REFERENCE.match(playbook)
    if m is None:
        return playbook
    value: Any = doc
    for part in m.group(1).split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Router:
    """Routes in order; the first that matches an incident document decides."""

    routes: tuple[Route, ...]
    origin: str = field(default="", compare=False)

    def route(self, doc: Mapping[str, Any]) -> RouteDecision | None:
        for route in self.routes:
            decision = route.decide(doc)
            if decision is not None:
                return decision
        return None

    def explain(self, doc: Mapping[str, Any]) -> list[RouteDecision]:
        """Every route that matches ``doc``, in order (the first is what :meth:`route` picks)."""
        return [d for r in self.routes if (d := r.decide(doc)) is not None]

    @classmethod
    def default(cls, known_playbooks: Collection[str] | None = None) -> Router:
        """The routes shipped with cloudwarden (``respond/routes.yml``)."""
        text = resources.files("cloudwarden.respond").joinpath(DEFAULT_ROUTES).read_text()
        return load_routes(text, origin=DEFAULT_ROUTES, known_playbooks=known_playbooks)

    @classmethod
    def from_file(cls, path: str | Path, known_playbooks: Collection[str] | None = None) -> Router:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise RoutingError([f"{p}: cannot read route file ({exc.strerror or exc})"]) from None
        return load_routes(text, origin=str(p), known_playbooks=known_playbooks)


# ---------------------------------------------------------------- loading


def load_routes(
    text: str | Mapping[str, Any],
    *,
    origin: str = "<routes>",
    known_playbooks: Collection[str] | None = None,
) -> Router:
    """Parse and validate a route file (YAML text or its parsed mapping).

    Every problem is collected and reported together, each prefixed with ``origin`` and
    its location; ``known_playbooks``, when given, also checks literal playbook ids.
    """
    if isinstance(text, str):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RoutingError([f"{origin}: not valid YAML ({exc})"]) from None
    else:
        data = text
    if not isinstance(data, Mapping) or not isinstance(data.get("routes"), list):
        raise RoutingError([f"{origin}: expected a mapping with a 'routes:' list"])
    # ``x-`` keys hold YAML anchors for patterns that several routes share.
    extra = sorted(
        str(k) for k in data if k not in ("routes", "version") and not str(k).startswith("x-")
    )
    problems = [f"{origin}: unknown top-level key {k!r}" for k in extra]
    routes: list[Route] = []
    names: set[str] = set()
    for i, raw in enumerate(data["routes"]):
        where = f"{origin}:routes[{i}]"
        route = _load_route(raw, where, problems, known_playbooks)
        if route is None:
            continue
        if route.name in names:
            problems.append(f"{where}.name: duplicate route name {route.name!r}")
        names.add(route.name)
        routes.append(route)
    if problems:
        raise RoutingError(problems)
    return Router(tuple(routes), origin)


def _load_route(
    raw: Any, where: str, problems: list[str], known: Collection[str] | None
) -> Route | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: a route is a mapping")
        return None
    start = len(problems)
    problems.extend(
        f"{where}: unknown key {k!r}" for k in sorted(map(str, raw)) if k not in ROUTE_KEYS
    )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}.name: a route needs a non-empty name")
    playbook = raw.get("playbook")
    if not isinstance(playbook, str) or not playbook.strip():
        problems.append(f"{where}.playbook: a route needs a playbook id or ${{path}} reference")
    elif "${" in playbook and not _REFERENCE.match(playbook):
        problems.append(f"{where}.playbook: {playbook!r} is not a ${{dotted.path}} reference")
    elif known is not None and "${" not in playbook and playbook not in known:
        problems.append(f"{where}.playbook: unknown playbook {playbook!r}")
    mode = _mode(raw.get("mode"), where, problems)
    scopes = {
        key: _scope(raw.get(key), f"{where}.{key}", problems) for key in ("accounts", "regions")
    }
    pattern = _pattern(raw.get("match"), f"{where}.match", problems)
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}.description: must be text")
    if len(problems) > start or pattern is None or mode is None:
        return None
    assert isinstance(name, str) and isinstance(playbook, str)
    return Route(
        name=name,
        pattern=pattern,
        playbook=playbook,
        mode=mode,
        accounts=scopes["accounts"],
        regions=scopes["regions"],
        description=str(description),
    )


def _mode(value: Any, where: str, problems: list[str]) -> Mode | None:
    try:
        return Mode(value)
    except ValueError:
        names = ", ".join(m.value for m in Mode)
        problems.append(f"{where}.mode: {value!r} is not one of {names}")
        return None


def _scope(value: Any, where: str, problems: list[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: a non-empty list")
        return frozenset()
    out = set()
    for j, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int):
            problems.append(f"{where}[{j}]: {item!r} is not an id or a name")
        else:
            # YAML reads an unquoted account id as an int; leading zeros are lost, so
            # only accept ints that print as a twelve-digit id.
            text = str(item)
            if isinstance(item, int) and len(text) != 12:
                problems.append(f"{where}[{j}]: quote account ids ({item!r} lost digits)")
            out.add(text)
    return frozenset(out)


def _pattern(value: Any, where: str, problems: list[str]) -> Pattern | None:
    if value is None:
        problems.append(f"{where}: a route needs a match pattern")
        return None
    try:
        return compile_pattern(value)
    except PatternError as exc:
        problems.append(
            f"{where}.{exc.path}: {exc.message}" if exc.path else f"{where}: {exc.message}"
        )
        return None


# ---------------------------------------------------------------- incident documents


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def _severity_rank(text: Any) -> int | None:
    try:
        return Severity.parse(str(text)).rank
    except ValueError:
        return None


def incident_from_alert(alert: Mapping[str, Any], *, environment: str = "aws") -> dict[str, Any]:
    """The incident document for a detection alert (:meth:`Alert.to_dict` keys).

    ``detail`` holds the alert as it is, plus ``severity_rank`` (0 informational … 4
    critical) so patterns can ask ``{"numeric": [">=", 3]}``.
    """
    detail = _json_safe(dict(alert))
    rank = _severity_rank(detail.get("severity", ""))
    if rank is not None:
        detail["severity_rank"] = rank
    resources_ = alert.get("resources") or ()
    return {
        "version": "0",
        "id": str(alert.get("alert_id", "")),
        "time": str(alert.get("first_time") or alert.get("event_time") or ""),
        "source": "cloudwarden.detect",
        "detail-type": "Alert",
        "account": str(alert.get("account", "")),
        "region": str(alert.get("region", "")),
        "environment": environment,
        "resources": [str(r) for r in _as_list(resources_)],
        "detail": detail,
    }


def _as_list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list | tuple) else [value]


def incident_from_finding(finding: Finding, *, environment: str = "aws") -> dict[str, Any]:
    """The incident document for a check / IAM / rule finding.

    ``detail.check_id`` is the finding's ``source_id`` (a check's id, an IAM analysis id or
    a rule id), the name a route most often matches on.
    """
    detail = {
        "id": finding.id,
        "check_id": finding.source_id,
        "source_id": finding.source_id,
        "title": finding.title,
        "status": finding.status.value,
        "status_reason": finding.status_reason,
        "severity": finding.severity.value,
        "severity_rank": finding.severity.rank,
        "area": finding.area.value,
        "resource_arn": finding.resource_arn,
        "resource_type": finding.resource_type,
        "wa_ids": list(finding.wa_ids),
        "cis_ids": list(finding.cis_ids),
        "evidence": _json_safe(finding.evidence),
    }
    if finding.source is FindingSource.RULE:
        detail["rule_id"] = finding.source_id
        playbook = finding.evidence.get("playbook")
        if isinstance(playbook, str):
            detail["playbook"] = playbook
    return {
        "version": "0",
        "id": finding.id,
        "time": finding.observed_at.isoformat(),
        "source": _SOURCES[finding.source],
        "detail-type": "Alert" if finding.source is FindingSource.RULE else "Finding",
        "account": finding.account,
        "region": finding.region,
        "environment": environment,
        "resources": [finding.resource_arn] if finding.resource_arn else [],
        "detail": detail,
    }
