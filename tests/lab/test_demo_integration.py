"""What ``cloudwarden demo`` adds on top of the scan and the attack replay: the IAM analysis
and the external-access analysis of the scan's snapshot, recorded with the run and shown
in the report and the terminal summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.cli.demo import _print_iam, _print_response, store_and_render
from cloudwarden.lab.attacks.targets import MINER_GROUP_REF, MINER_INSTANCE_REF
from cloudwarden.lab.demo import DemoResult
from cloudwarden.lab.incidents import Incident, IncidentResponse
from cloudwarden.lab.seed.identity import KEY_USERS
from cloudwarden.model import FindingSource, Status
from cloudwarden.store import Store

pytestmark = pytest.mark.lab


def test_demo_analyses_the_lab_iam(demo: DemoResult) -> None:
    assert demo.iam is not None
    assert demo.iam.admins > 0
    assert demo.iam.analysis.paths, "the lab's escalation scenarios give paths"
    assert demo.iam.exposed("public") > 0
    combined = demo.combined()
    assert len(combined.findings) == len(demo.assessment.findings) + len(demo.iam.findings())


def test_demo_records_iam_findings_and_reports_them(
    demo: DemoResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.iam is not None
    db, report = tmp_path / "cw.duckdb", tmp_path / "report.html"
    store_and_render(demo, db, report)
    page = report.read_text()
    assert 'id="iam-analysis"' in page and 'id="iam-access"' in page
    with Store.open(db, read_only=True) as store:
        run = store.latest_run()
        assert run is not None
        stored = store.findings(run.id)
    iam = {f.source_id for f in stored if f.source is FindingSource.IAM and f.status is Status.FAIL}
    assert {"iam_privilege_escalation_path", "iam_effective_admin", "iam_access_not_public"} <= iam
    _print_iam(demo.iam)
    out = capsys.readouterr().out
    assert f"{demo.iam.admins} effective admins" in out
    assert f"{len(demo.iam.analysis.paths)} privilege-escalation paths" in out
    assert "public resources" in out


def test_demo_contains_the_enacted_attacks(demo: DemoResult) -> None:
    """The public-bucket, logging-stopped and crypto-mining scenarios are made real in the
    lab; their playbooks undo them (as the lab reports afterwards) and the re-assessment
    shows the findings they had failed pass again."""
    response = demo.response
    assert response is not None
    assert response.contained == {
        "public-bucket": True,
        "logging-stopped": True,
        "crypto-mining": True,
    }
    ran = {(i.alert.get("rule_id"), i.playbook): i for i in response.incidents}
    bucket = ran["cw-s3-bpa-removed", "s3-public-bucket"]
    trail = ran["cw-cloudtrail-stopped", "cloudtrail-logging-stopped"]
    group = ran["cw-sg-open-world", "security-group-open"]
    miner = ran["cw-flow-mining-pool-port", "ec2-compromised-instance"]
    for incident in (bucket, trail, group, miner):
        assert incident.status == "done", incident.message
        assert any(e.kind == "done" and e.phase == "contain" for e in incident.entries)
        assert incident.left_for_human, "the manual steps stay with a person"
    fixed = {(f.source_id, f.resource_arn.rsplit(":", 1)[-1]) for f in response.resolved}
    bucket_name = f"cw-lab-data-hardened-{demo.env.accounts['dev']}"
    assert ("s3_bucket_public_access_blocked", bucket_name) in fixed
    assert any(check.startswith("cloudtrail_") for check, _ in fixed)
    opened = demo.env.refs[MINER_GROUP_REF].rsplit(":", 1)[-1]
    assert ("vpc_security_group_all_ports_restricted", opened) in fixed
    assert ("vpc_security_group_admin_ports_restricted", opened) in fixed


def test_demo_revokes_the_opened_group_as_the_api_shows(demo: DemoResult) -> None:
    """The group the alert names is the lab's: its playbook revoked exactly the world-open
    rules the intruder added (as the re-scan collected the group from EC2 afterwards), and
    the miner launched into it is stopped, isolated and without its stolen profile."""
    response = demo.response
    assert response is not None and response.rescanned is not None
    ran = {(i.alert.get("rule_id"), i.playbook): i for i in response.incidents}
    incident = ran["cw-sg-open-world", "security-group-open"]
    group = demo.env.refs[MINER_GROUP_REF].rsplit("/", 1)[-1]
    assert incident.alert["context"]["requestParameters.groupId"] == group
    revoked = [e for e in incident.entries if e.step == "revoke_open_ingress"]
    assert [e.kind for e in revoked] == ["intent", "done"]
    assert all(group in e.message for e in revoked), [e.message for e in revoked]
    collected = {r.id: r.data for r in response.rescanned.resources}
    rules = collected[group]["IpPermissions"]
    assert not [r for r in rules if {"CidrIp": "0.0.0.0/0"} in r.get("IpRanges", [])], rules
    instance = demo.env.refs[MINER_INSTANCE_REF].rsplit("/", 1)[-1]
    miner = collected[instance]
    assert miner["State"]["Name"] in ("stopping", "stopped")
    isolated = {g["GroupId"] for eni in miner["NetworkInterfaces"] for g in eni["Groups"]}
    assert isolated and group not in isolated, "its interface is moved to an isolation group"
    assert "IamInstanceProfile" not in miner


def test_demo_contains_the_keys_the_scenarios_sign_with(demo: DemoResult) -> None:
    """The credential alerts name the users' seeded keys (the lab's scan lists them); their
    playbook deactivates and (auto-approved) deletes each, and the other alerts about the
    same key are the same incident, handled by that one run."""
    response = demo.response
    assert response is not None
    keyed = [i for i in response.incidents if i.playbook == "compromised-access-key"]
    named = {
        (
            i.alert["context"]["userIdentity.userName"],
            i.alert["context"]["userIdentity.accessKeyId"],
        )
        for i in keyed
    }
    assert {user for user, _ in named} == set(KEY_USERS) and len(named) == len(KEY_USERS)
    scanned = {
        (r.name, k["AccessKeyId"])
        for r in demo.assessment.snapshot.resources
        if r.type == "AWS::IAM::User" and r.account == demo.env.accounts["dev"]
        for k in r.data.get("AccessKeys") or []
        if k.get("Status") == "Active"
    }
    assert named <= scanned, "the keys the logs name exist in the lab"
    runs = {i.run_id for i in keyed}
    assert len(runs) == len(KEY_USERS), "one run per key, whatever the number of alerts"
    for incident in keyed:
        assert incident.outcome == "contained", incident.message
        if incident.handled_with:
            assert not incident.entries and incident.run_id in incident.message
        else:
            steps = [(e.step, e.kind) for e in incident.entries]
            assert ("deactivate_key", "done") in steps and ("delete_key", "done") in steps


def test_demo_reports_each_incident_and_its_failures(
    demo: DemoResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    response = demo.response
    assert response is not None
    report = tmp_path / "report.html"
    store_and_render(demo, tmp_path / "cw.duckdb", report)
    page = report.read_text()
    assert 'id="incidents"' in page and "Left for a human" in page
    assert "s3-public-bucket" in page and "cloudtrail-logging-stopped" in page
    for incident in response.incidents:  # every incident is listed with its outcome
        assert f"<td>{incident.playbook}</td><td>{incident.outcome}</td>" in page
    _print_response(response)
    out = capsys.readouterr().out
    failed = [i for i in response.incidents if i.status == "failed"]
    assert all(f"{i.playbook}: failed" in out for i in failed), "failures are shown"
    settled = [i for i in response.incidents if i.status in ("needs-input", "not-applicable")]
    assert all(f"{i.playbook}: {i.status}" in out for i in settled)
    assert "FAIL -> PASS s3_bucket_public_access_blocked" in out
    assert "FAIL -> PASS vpc_security_group_all_ports_restricted" in out


def test_settled_incidents_are_shown_with_why(capsys: pytest.CaptureFixture[str]) -> None:
    """An incident that ends before any change is listed with its reason (the demo's own
    all end contained, so this one is made by hand)."""
    alert = {"rule_id": "cw-flow-mining-pool-port", "account": "123456789012"}
    response = IncidentResponse(
        incidents=[
            Incident(alert, "ec2-compromised-instance", "lab", "auto", "needs-input", "no eni"),
            Incident(alert, "security-group-open", "lab", "auto", "not-applicable", "no group"),
            Incident(alert, "s3-public-bucket", "lab", "auto", "done", "run x done"),
        ]
    )
    _print_response(response)
    out = capsys.readouterr().out
    assert "ec2-compromised-instance: needs-input: no eni" in out
    assert "security-group-open: not-applicable: no group" in out
    assert "s3-public-bucket" not in out


def test_no_demo_incident_fails_for_an_input_the_alert_never_carried(demo: DemoResult) -> None:
    """Inputs are derived where the alert carries them in another shape; where it does not,
    or names what exists only in the replayed logs, the run ends before any change with an
    outcome that says so, never as a failure."""
    response = demo.response
    assert response is not None
    assert response.incidents
    assert [i for i in response.incidents if i.status == "failed"] == []
    assert {i.status for i in response.incidents} <= {"done", "needs-input", "not-applicable"}
    ran = {(i.alert.get("rule_id"), i.playbook): i for i in response.incidents}
    stolen = ran["cw-ec2-credentials-outside-aws", "ec2-compromised-instance"]  # session name
    ssh = ran["cw-flow-admin-port-from-internet", "security-group-open"]  # flow -> eni -> group
    role = ran["cw-ec2-unusual-instance-type", "compromised-role-session"]  # a role's session
    for incident in (stolen, ssh, role):
        assert incident.status == "done", incident.message
        assert incident.outcome == "contained"
        assert any(e.kind == "done" and e.phase == "contain" for e in incident.entries)
    assert [e.kind for e in ssh.entries if e.step == "locate_group"] == ["noop"]
    # every scenario's subject is the lab's own: every routed incident is contained
    assert [i.alert.get("rule_id") for i in response.incidents if i.outcome != "contained"] == []
    for incident in response.incidents:
        kinds = {e.kind for e in incident.entries}
        if incident.status == "needs-input":
            assert incident.missing and not kinds & {"intent", "done", "failed"}
            assert incident.outcome == f"needs input ({', '.join(incident.missing)})"
        elif incident.status == "not-applicable":
            assert not kinds & {"intent", "done", "failed"}
            assert "does not exist" in incident.message or "has no key" in incident.message
    # the miner is the lab's instance: its flow's interface leads the playbook to it
    miner = ran["cw-flow-mining-pool-port", "ec2-compromised-instance"]
    instance = demo.env.refs[MINER_INSTANCE_REF].rsplit("/", 1)[-1]
    located = next(e for e in miner.entries if e.step == "locate_instance")
    assert located.kind == "noop" and f"instance {instance}," in located.message
    assert miner.status == "done", miner.message
