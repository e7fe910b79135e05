"""Paths over several hops and accounts, the role-assumption graph, findings, the HTML
section and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_builders import ACCT, ADMIN_ARN, OTHER, Account, allow, arn, doc, trust

from cloudwarden.cli.main import main
from cloudwarden.iam.analysis import (
    ADMIN,
    account_data_from_snapshot,
    analysis_findings,
    analyze,
    technique,
)
from cloudwarden.iam.analysis.report import analysis_section
from cloudwarden.model import Area, FindingSource, Status

INTERN = arn("user", "intern")
HELPDESK = arn("user", "helpdesk")
DEPLOY = arn("role", "deploy")
OPS = arn("role", "ops", OTHER)


def _chain() -> Account:
    """intern → (access key) helpdesk → (assume) deploy → (put role policy) admin, and
    deploy → (assume, cross-account) ops in another account, which is an admin there."""
    a = Account()
    a.accounts.append(OTHER)
    a.managed("AdministratorAccess", doc(allow("*")))
    a.user("intern", doc(allow("iam:CreateAccessKey", HELPDESK)))
    a.user("helpdesk", doc(allow("sts:AssumeRole", DEPLOY)))
    a.role("deploy", trust({"AWS": HELPDESK}), doc(allow("sts:AssumeRole", OPS)))
    a.role("ops", trust({"AWS": DEPLOY}), attached=(ADMIN_ARN,), account=OTHER)
    a.user("bystander", doc(allow("s3:GetObject", "arn:aws:s3:::reports/*")))
    return a


def test_multi_hop_path_across_accounts() -> None:
    analysis = analyze(account_data_from_snapshot(_chain().snapshot()))
    paths = {p.principal: p for p in analysis.paths}
    intern = paths[INTERN]
    assert [(h.source, h.technique, h.target) for h in intern.hops] == [
        (INTERN, "R3-create-access-key", HELPDESK),
        (HELPDESK, "R14-assume-role", DEPLOY),
        (DEPLOY, "R14-assume-role", OPS),
    ]
    assert intern.reaches == OPS
    assert all(h.statements and all(h.statements) for h in intern.hops)
    assert arn("user", "bystander") not in paths
    cross = [t for t in analysis.role_graph if t.cross_account]
    assert [(t.role, t.trusted, t.allowed) for t in cross] == [(OPS, DEPLOY, True)]


def test_account_scope_keeps_cross_account_targets() -> None:
    data = account_data_from_snapshot(_chain().snapshot(), ACCT)
    analysis = analyze(data, risky=False)
    assert {p.principal for p in analysis.paths} == {INTERN, HELPDESK, DEPLOY}
    assert all(a.account == OTHER for a in analysis.admins) is True or analysis.admins == []


def test_technique_lookup() -> None:
    assert technique("R1").id == "R1-create-policy-version"
    assert technique("iam:CreatePolicyVersion").id == "R1-create-policy-version"
    with pytest.raises(KeyError):
        technique("R999")


def test_findings() -> None:
    analysis = analyze(account_data_from_snapshot(_chain().snapshot()))
    findings = analysis_findings(analysis)
    paths = [f for f in findings if f.source_id == "iam_privilege_escalation_path"]
    assert {f.resource_arn for f in paths} == {INTERN, HELPDESK, DEPLOY}
    assert all(f.source is FindingSource.IAM and f.area is Area.IDENTITY for f in findings)
    assert all(f.status is Status.FAIL for f in findings)
    assert len({f.id for f in findings}) == len(findings)
    again = analysis_findings(analyze(account_data_from_snapshot(_chain().snapshot())))
    assert sorted(f.id for f in again) == sorted(f.id for f in findings)
    assert {f.account for f in analysis_findings(analysis, OTHER)} == {OTHER}


def test_html_section_draws_the_paths() -> None:
    analysis = analyze(account_data_from_snapshot(_chain().snapshot()), risky=False)
    section = analysis_section(analysis)
    assert section.id == "iam-analysis"
    assert section.html.count("<svg") == 1
    assert "R3-create-access-key" in section.html and "<rect" in section.html


def test_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = _chain().snapshot().save(tmp_path / "s.json.gz")
    assert main(["iam", "analyze", "--snapshot", str(snapshot)]) == 0
    text = capsys.readouterr().out
    assert "Privilege-escalation paths" in text and "R3-create-access-key" in text
    out = tmp_path / "a.json"
    argv = ["iam", "analyze", "--snapshot", str(snapshot), "--format", "json", "--output", str(out)]
    assert main(argv) == 0
    data = json.loads(out.read_text())
    assert {p["principal"] for p in data["paths"]} == {INTERN, HELPDESK, DEPLOY}
    assert any(p["reaches"] != ADMIN for p in data["paths"])


def test_cli_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", "analyze"]) == 2
    assert "exactly one of" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["iam", "analyze", "--authorization-details", str(bad)]) == 2
    assert "invalid JSON" in capsys.readouterr().err
