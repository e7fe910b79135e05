"""A whole snapshot: findings per zone of trust, the HTML section, and ``cloudwarden iam
access`` (text, JSON, the store, the HTML report)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from access_helpers import MEMBER, ORG_ID, OWNER, RESOURCES, STRANGER, policy

from cloudwarden.cli.main import main
from cloudwarden.iam.access import analyse_snapshot, external_access, organization_of
from cloudwarden.iam.access.report import access_section
from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.model import Status
from cloudwarden.store import Store
from cloudwarden.testing import make_resource

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _snapshot() -> Snapshot:
    bucket_arn = RESOURCES["AWS::S3::Bucket"][0]
    queue_arn = RESOURCES["AWS::SQS::Queue"][0]
    key_arn = RESOURCES["AWS::KMS::Key"][0]
    role_arn = RESOURCES["AWS::IAM::Role"][0]
    secret_arn = RESOURCES["AWS::SecretsManager::Secret"][0]
    resources = [
        make_resource("AWS::S3::AccountPublicAccessBlock", f"arn:aws:s3::{OWNER}:account",
                      {"PublicAccessBlockConfiguration": None}, region="global"),
        make_resource("AWS::S3::Bucket", bucket_arn,
                      {"Policy": policy("AWS::S3::Bucket", "*"), "Acl": {"Grants": []}},
                      region="global"),
        make_resource("AWS::SQS::Queue", queue_arn,
                      {"Attributes": {"Policy": json.dumps(policy("AWS::SQS::Queue", {"AWS": MEMBER}))}}),
        make_resource("AWS::KMS::Key", key_arn,
                      {"Policy": policy("AWS::KMS::Key", {"AWS": f"arn:aws:iam::{OWNER}:root"})}),
        make_resource("AWS::IAM::Role", role_arn,
                      {"RoleName": "deploy", "CreateDate": "2026-10-30T00:00:00+00:00",
                       "AssumeRolePolicyDocument": policy("AWS::IAM::Role", {"AWS": STRANGER})},
                      region="global"),
        make_resource("AWS::SecretsManager::Secret", secret_arn,
                      {"ResourcePolicy": "{not json", "_errors": {}}),
    ]  # fmt: skip
    return Snapshot(
        created_at=NOW,
        organization={"id": ORG_ID},
        accounts=(
            AccountInfo(id=OWNER, ou_path=("r-ab12", "ou-ab12-11111111")),
            AccountInfo(id=MEMBER, ou_path=("r-ab12",)),
        ),
        resources=tuple(resources),
    )


def test_organization_of_reads_ids_members_and_paths() -> None:
    org = organization_of(_snapshot())
    assert org.id == ORG_ID and org.members == {OWNER, MEMBER}
    assert org.paths[OWNER] == f"{ORG_ID}/r-ab12/ou-ab12-11111111/"


def test_snapshot_answers_per_resource() -> None:
    results = {r.resource_type: r for r in external_access(_snapshot())}
    assert set(results) == {
        "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::IAM::Role",
        "AWS::SecretsManager::Secret",
    }  # fmt: skip
    assert results["AWS::S3::Bucket"].scoped("public")
    assert [a.scope for a in results["AWS::SQS::Queue"].accesses] == ["in_org"]
    assert results["AWS::KMS::Key"].accesses == ()
    assert [a.grantee for a in results["AWS::IAM::Role"].scoped("outside_org")] == [
        f"account {STRANGER}"
    ]
    assert results["AWS::SecretsManager::Secret"].unknown


def test_findings_per_zone_of_trust() -> None:
    findings = analyse_snapshot(_snapshot()).findings()
    by = {(f.resource_type, f.source_id): f for f in findings}
    public = by[("AWS::S3::Bucket", "iam_access_not_public")]
    assert public.status is Status.FAIL and public.severity.value == "critical"
    assert public.evidence["accesses"][0]["witness"]["action"] == "s3:GetObject"
    assert by[("AWS::KMS::Key", "iam_access_not_public")].status is Status.PASS
    assert by[("AWS::SQS::Queue", "iam_access_shared_only_within_org")].status is Status.FAIL
    role = by[("AWS::IAM::Role", "iam_access_not_shared_outside_org")]
    assert role.status is Status.FAIL and role.severity.value == "high"
    secret = by[("AWS::SecretsManager::Secret", "iam_access_not_public")]
    assert secret.status is Status.NOT_ASSESSED and "does not parse" in secret.status_reason
    assert all(f.area.value == "identity_access" for f in findings)
    assert len({f.id for f in findings}) == len(findings)


def test_html_section_escapes_and_lists_witnesses() -> None:
    analysis = analyse_snapshot(_snapshot())
    section = access_section(analysis.external, analysis.unused, 90)
    assert section.id == "iam-access"
    assert "anonymous s3:GetObject arn:aws:s3:::data-bucket/" in section.html
    assert "{not json" not in section.html  # reasons are shown, escaped, not raw documents


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["iam", "access", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text_json_store_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _snapshot().save(tmp_path / "snap.json.gz")
    code, out, _ = _run(["--snapshot", str(path)], capsys)
    assert code == 0
    assert "public      anyone (anonymous): s3:GetObject" in out
    assert "witness: anonymous s3:GetObject arn:aws:s3:::data-bucket/" in out
    code, out, _ = _run(["--snapshot", str(path), "--format", "json", "--unused-days", "1"], capsys)
    data = json.loads(out)
    assert code == 0 and data["unused_days"] == 1
    assert any(u["name"] == "deploy" and u["unused"] for u in data["unused"])
    db, html = tmp_path / "cw.duckdb", tmp_path / "report.html"
    code, _, _ = _run(["--snapshot", str(path), "--db", str(db), "--html", str(html)], capsys)
    assert code == 0
    assert "External and unused access" in html.read_text()
    with Store.open(db, read_only=True) as store:
        run = store.latest_run("iam-access")
        assert run is not None
        assert any(f.source_id == "iam_access_not_public" for f in store.findings(run.id))


def test_cli_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--snapshot", str(tmp_path / "missing.json.gz")], capsys)[0] == 2
    path = _snapshot().save(tmp_path / "snap.json.gz")
    code, _, err = _run(["--snapshot", str(path), "--format", "xml"], capsys)
    assert code == 2 and "--format must be text or json" in err
