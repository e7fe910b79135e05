"""Routing alerts and findings to playbooks: documents, first-match order, located errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

import cloudwarden.checks.builtin as builtin_checks
import cloudwarden.detect.rules as detect_rules
from cloudwarden.model import Area, Finding, FindingSource, Severity, Status
from cloudwarden.respond.routing import (
    Mode,
    RouteDecision,
    Router,
    RoutingError,
    incident_from_alert,
    incident_from_finding,
    load_routes,
)

ACCOUNT = "111122223333"


def alert(**over: Any) -> dict[str, Any]:
    """An alert as ``Alert.to_dict`` writes it (the keys routing reads)."""
    base: dict[str, Any] = {
        "alert_id": "a1b2",
        "rule_id": "cloudtrail-stop-logging",
        "title": "CloudTrail logging stopped",
        "severity": "high",
        "attack": ["attack.t1562.008"],
        "tags": ["attack.defense-evasion"],
        "event_id": "e1",
        "event_ids": ["e1"],
        "event_kind": "cloudtrail",
        "event_time": "2026-11-27T10:00:00+00:00",
        "first_time": "2026-11-27T10:00:00+00:00",
        "account": ACCOUNT,
        "region": "us-east-1",
        "group": {},
        "playbook": "cloudtrail-logging-stopped",
    }
    return {**base, **over}


def finding(check_id: str, status: Status = Status.FAIL, **over: Any) -> Finding:
    fields: dict[str, Any] = {
        "id": "f" + check_id,
        "source": FindingSource.CHECK,
        "source_id": check_id,
        "title": check_id.replace("_", " "),
        "status": status,
        "severity": Severity.HIGH,
        "area": Area.DATA,
        "account": ACCOUNT,
        "region": "us-east-1",
        "resource_arn": "arn:aws:s3:::lab-public-bucket",
        "resource_type": "AWS::S3::Bucket",
        "status_reason": "public",
        "evidence": {"BlockPublicAcls": False},
    }
    return Finding(**{**fields, **over})


# --- incident documents ---------------------------------------------------------------


def test_alert_document_is_an_eventbridge_event() -> None:
    doc = incident_from_alert(alert())
    assert doc["source"] == "cloudwarden.detect"
    assert doc["detail-type"] == "Alert"
    assert (doc["account"], doc["region"], doc["environment"]) == (ACCOUNT, "us-east-1", "aws")
    assert doc["id"] == "a1b2"
    assert doc["time"] == "2026-11-27T10:00:00+00:00"
    assert doc["resources"] == []
    assert doc["detail"]["rule_id"] == "cloudtrail-stop-logging"
    assert doc["detail"]["severity_rank"] == Severity.HIGH.rank


def test_finding_document_is_an_eventbridge_event() -> None:
    doc = incident_from_finding(finding("s3_bucket_public_access_blocked"), environment="lab")
    assert doc["source"] == "cloudwarden.check"
    assert doc["detail-type"] == "Finding"
    assert doc["environment"] == "lab"
    assert doc["resources"] == ["arn:aws:s3:::lab-public-bucket"]
    detail = doc["detail"]
    assert detail["check_id"] == "s3_bucket_public_access_blocked"
    assert (detail["status"], detail["severity"], detail["area"]) == (
        "FAIL",
        "high",
        "data_protection",
    )
    assert detail["evidence"] == {"BlockPublicAcls": False}
    assert isinstance(doc["time"], str)


@pytest.mark.parametrize(
    ("source", "expected_source", "detail_type"),
    [
        (FindingSource.IAM, "cloudwarden.iam", "Finding"),
        (FindingSource.RULE, "cloudwarden.detect", "Alert"),
    ],
)
def test_finding_sources(source: FindingSource, expected_source: str, detail_type: str) -> None:
    f = finding("x", source=source, evidence={"playbook": "root-activity"})
    doc = incident_from_finding(f)
    assert (doc["source"], doc["detail-type"]) == (expected_source, detail_type)
    if source is FindingSource.RULE:
        assert doc["detail"]["playbook"] == "root-activity"
        assert doc["detail"]["rule_id"] == "x"


# --- the route file --------------------------------------------------------------------

ROUTES = """
routes:
  - name: critical-first
    match:
      detail:
        severity_rank: [{numeric: [">=", 4]}]
    playbook: page_on_call
    mode: approve
  - name: prod-root
    match:
      source: [cloudwarden.detect]
      detail: {rule_id: [{prefix: root-}]}
    accounts: ["111122223333"]
    regions: [us-east-1]
    playbook: root_activity
    mode: dry-run
  - name: anything-high
    match:
      detail: {severity: [high]}
    playbook: triage
    mode: auto
"""


def test_first_matching_route_decides() -> None:
    router = load_routes(ROUTES, origin="routes.yml")
    doc = incident_from_alert(alert(rule_id="root-console-login", severity="critical"))
    assert router.route(doc) == RouteDecision("page_on_call", Mode.APPROVE, "critical-first")
    assert [d.route for d in router.explain(doc)] == ["critical-first", "prod-root"]


def test_accounts_and_regions_scope_a_route() -> None:
    router = load_routes(ROUTES)
    here = incident_from_alert(alert(rule_id="root-console-login"))
    assert router.route(here) == RouteDecision("root_activity", Mode.DRY_RUN, "prod-root")
    elsewhere = incident_from_alert(alert(rule_id="root-console-login", region="eu-west-1"))
    assert router.route(elsewhere) == RouteDecision("triage", Mode.AUTO, "anything-high")
    other_account = incident_from_alert(alert(rule_id="root-console-login", account="444455556666"))
    assert router.route(other_account) == RouteDecision("triage", Mode.AUTO, "anything-high")


def test_no_route_matches() -> None:
    router = load_routes(ROUTES)
    assert router.route(incident_from_alert(alert(severity="low"))) is None


def test_playbook_reference_resolves_from_the_document() -> None:
    text = """
routes:
  - name: suggested
    match: {detail: {playbook: [{exists: true}]}}
    playbook: "${detail.playbook}"
    mode: approve
  - name: fallback
    match: {source: [cloudwarden.detect]}
    playbook: triage
    mode: approve
"""
    router = load_routes(text)
    assert router.route(incident_from_alert(alert())) == RouteDecision(
        "cloudtrail-logging-stopped", Mode.APPROVE, "suggested"
    )
    # a reference that names nothing usable makes its route step aside
    assert router.route(incident_from_alert(alert(playbook=""))) == RouteDecision(
        "triage", Mode.APPROVE, "fallback"
    )


def test_errors_are_collected_and_located() -> None:
    text = """
routes:
  - name: bad-pattern
    match:
      detail:
        severity: [high, {numeric: [">", 1, "<"]}]
    playbook: triage
    mode: approve
  - name: bad-mode
    match: {source: [x]}
    playbook: triage
    mode: sometimes
  - match: {source: []}
    playbook: "${not a path}"
    mode: auto
    colour: blue
  - name: bad-mode
    match: {source: [x]}
    playbook: triage
    mode: auto
    accounts: [12345]
"""
    with pytest.raises(RoutingError) as info:
        load_routes(text, origin="routes.yml")
    problems = info.value.problems
    assert problems == (
        "routes.yml:routes[0].match.detail.severity[1]: "
        "numeric needs an even number of operator/value items",
        "routes.yml:routes[1].mode: 'sometimes' is not one of auto, approve, dry-run",
        "routes.yml:routes[2]: unknown key 'colour'",
        "routes.yml:routes[2].name: a route needs a non-empty name",
        "routes.yml:routes[2].playbook: '${not a path}' is not a ${dotted.path} reference",
        "routes.yml:routes[2].match.source: empty lists are not allowed",
        "routes.yml:routes[3].accounts[0]: quote account ids (12345 lost digits)",
    )
    assert str(info.value).splitlines()[0].startswith("routes.yml:routes[0].match")


def test_duplicate_names_and_unknown_playbooks() -> None:
    text = """
routes:
  - {name: a, match: {source: [x]}, playbook: one, mode: auto}
  - {name: a, match: {source: [y]}, playbook: two, mode: auto}
"""
    with pytest.raises(RoutingError) as info:
        load_routes(text, origin="r.yml", known_playbooks={"one"})
    assert info.value.problems == ("r.yml:routes[1].playbook: unknown playbook 'two'",)
    with pytest.raises(RoutingError) as info:
        load_routes(text, origin="r.yml", known_playbooks={"one", "two"})
    assert info.value.problems == ("r.yml:routes[1].name: duplicate route name 'a'",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("routes: [", "r.yml: not valid YAML"),
        ("- a", "r.yml: expected a mapping with a 'routes:' list"),
        ("routes: {}", "r.yml: expected a mapping with a 'routes:' list"),
        ("routes: []\nextra: 1", "r.yml: unknown top-level key 'extra'"),
        ("routes: [5]", "r.yml:routes[0]: a route is a mapping"),
    ],
)
def test_file_shape_errors(text: str, problem: str) -> None:
    with pytest.raises(RoutingError) as info:
        load_routes(text, origin="r.yml")
    assert info.value.problems[0].startswith(problem)


def test_from_file_reads_and_locates(tmp_path: Path) -> None:
    path = tmp_path / "routes.yml"
    path.write_text(ROUTES, encoding="utf-8")
    assert len(Router.from_file(path).routes) == 3
    with pytest.raises(RoutingError, match="cannot read route file"):
        Router.from_file(tmp_path / "missing.yml")
    path.write_text("routes:\n  - {name: x, match: {a: b}, playbook: p, mode: auto}\n")
    with pytest.raises(RoutingError, match=rf"^{path}:routes\[0\]\.match\.a: "):
        Router.from_file(path)


# --- the shipped routes ------------------------------------------------------------------


def _rule_playbooks() -> set[str]:
    folder = Path(str(resources.files(detect_rules))) / "builtin"
    found: set[str] = set()
    for path in folder.rglob("*.y*ml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("playbook"), str) and data["playbook"]:
            found.add(data["playbook"])
    return found


def test_default_routes_load() -> None:
    router = Router.default()
    names = [r.name for r in router.routes]
    assert names.index("lab-suggested-playbook") < names.index("suggested-playbook")


def test_default_routes_send_suggested_playbooks_for_approval() -> None:
    router = Router.default()
    playbooks = _rule_playbooks()
    assert playbooks, "the builtin detection rules suggest playbooks"
    for playbook in sorted(playbooks):
        doc = incident_from_alert(alert(playbook=playbook))
        assert router.route(doc) == RouteDecision(playbook, Mode.APPROVE, "suggested-playbook")
        lab = incident_from_alert(alert(playbook=playbook), environment="lab")
        assert router.route(lab) == RouteDecision(playbook, Mode.AUTO, "lab-suggested-playbook")


def test_default_routes_leave_alerts_without_a_playbook_alone() -> None:
    assert Router.default().route(incident_from_alert(alert(playbook=""))) is None


@pytest.mark.parametrize(
    ("check_id", "playbook", "route"),
    [
        ("s3_bucket_public_access_blocked", "s3_public_bucket", "s3-bucket-public"),
        ("s3_bucket_policy_not_public", "s3_public_bucket", "s3-bucket-public"),
        ("s3_bucket_acl_not_public", "s3_public_bucket", "s3-bucket-public"),
        ("vpc_security_group_admin_ports_restricted", "security_group_open", "security-group-open"),
        ("vpc_security_group_all_ports_restricted", "security_group_open", "security-group-open"),
        ("kms_key_not_pending_deletion", "kms_key_deletion", "kms-key-pending-deletion"),
    ],
)
def test_default_routes_for_posture_findings(check_id: str, playbook: str, route: str) -> None:
    router = Router.default()
    failed = finding(check_id)
    assert router.route(incident_from_finding(failed)) == RouteDecision(
        playbook, Mode.APPROVE, route
    )
    lab = router.route(incident_from_finding(failed, environment="lab"))
    assert lab == RouteDecision(playbook, Mode.AUTO, f"lab-{route}")
    passed = finding(check_id, status=Status.PASS)
    assert router.route(incident_from_finding(passed)) is None


def test_default_routes_name_existing_checks() -> None:
    folder = Path(str(resources.files(builtin_checks)))
    check_ids = {p.stem for p in folder.rglob("*.py") if not p.stem.startswith("_")}
    text = resources.files("cloudwarden.respond").joinpath("routes.yml").read_text()
    data = yaml.safe_load(text)
    named: set[str] = set()
    for route in data["routes"]:
        named.update(route["match"].get("detail", {}).get("check_id", []))
    assert named, "the default routes name posture checks"
    assert named <= check_ids
