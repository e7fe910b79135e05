"""What ``cloudwarden demo`` adds on top of the scan and the attack replay: the IAM analysis
and the external-access analysis of the scan's snapshot, recorded with the run and shown
in the report and the terminal summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.cli.demo import _print_iam, _print_response, store_and_render
from cloudwarden.lab.demo import DemoResult
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
    """The public-bucket and logging-stopped scenarios are made real in the lab; their
    playbooks undo them (as the lab reports afterwards) and the re-assessment shows the
    findings they had failed pass again."""
    response = demo.response
    assert response is not None
    assert response.contained == {"public-bucket": True, "logging-stopped": True}
    ran = {(i.alert.get("rule_id"), i.playbook): i for i in response.incidents}
    bucket = ran["cw-s3-bpa-removed", "s3-public-bucket"]
    trail = ran["cw-cloudtrail-stopped", "cloudtrail-logging-stopped"]
    for incident in (bucket, trail):
        assert incident.status == "done", incident.message
        assert any(e.kind == "done" and e.phase == "contain" for e in incident.entries)
        assert incident.left_for_human, "the manual steps stay with a person"
    fixed = {(f.source_id, f.resource_arn.rsplit(":", 1)[-1]) for f in response.resolved}
    bucket_name = f"cw-lab-data-hardened-{demo.env.accounts['dev']}"
    assert ("s3_bucket_public_access_blocked", bucket_name) in fixed
    assert any(check.startswith("cloudtrail_") for check, _ in fixed)


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
    assert settled and all(f"{i.playbook}: {i.status}" in out for i in settled)
    assert "FAIL -> PASS s3_bucket_public_access_blocked" in out


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
    for incident in response.incidents:
        kinds = {e.kind for e in incident.entries}
        if incident.status == "needs-input":
            assert incident.missing and not kinds & {"intent", "done", "failed"}
            assert incident.outcome == f"needs input ({', '.join(incident.missing)})"
        elif incident.status == "not-applicable":
            assert not kinds & {"intent", "done", "failed"}
            assert "does not exist" in incident.message or "has no key" in incident.message
    # the miner exists only in the logs: its flow's address is nobody's interface in the lab
    miner = ran["cw-flow-mining-pool-port", "ec2-compromised-instance"]
    assert miner.status == "needs-input" and miner.missing == ("instance_id",)
