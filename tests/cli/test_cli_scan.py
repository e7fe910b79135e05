"""``scan --snapshot`` end to end through the CLI: every format, the CI gate, the store and its diff."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.testing import make_resource, make_snapshot

BUCKET = "AWS::S3::Bucket"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::open/*",
        }
    ],
}


def snapshot(public: bool) -> Snapshot:
    data = {"Name": "open", "Region": "us-east-1", "Policy": POLICY if public else None}
    return make_snapshot([make_resource(BUCKET, "arn:aws:s3:::open", data, region="global")])


@pytest.fixture
def snap_file(tmp_path: Path) -> Path:
    return snapshot(public=True).save(tmp_path / "snap.json.gz")


@pytest.mark.parametrize("fmt", ["ocsf", "asff", "sarif", "csv", "html"])
def test_every_format_is_written(fmt: str, snap_file: Path, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    code = main(
        [
            "scan",
            "--snapshot",
            str(snap_file),
            "--no-store",
            "-q",
            "--check",
            "s3_*",
            "--format",
            fmt,
            "-o",
            str(out),
        ]
    )
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "arn:aws:s3:::open" in text
    if fmt in ("ocsf", "asff", "sarif"):
        json.loads(text)
    if fmt == "csv":
        header, *rows = csv.reader(text.splitlines())
        assert header and rows


def test_quiet_without_output_prints_the_machine_format(
    snap_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "scan",
                "--snapshot",
                str(snap_file),
                "--no-store",
                "-q",
                "--check",
                "s3_bucket_policy_not_public",
            ]
        )
        == 0
    )
    findings = json.loads(capsys.readouterr().out)
    assert {f["finding_info"]["title"] for f in findings}


def test_fail_on_gate(snap_file: Path, tmp_path: Path) -> None:
    base = ["scan", "--snapshot", str(snap_file), "--no-store", "-q", "-o", str(tmp_path / "r")]
    assert main([*base, "--check", "s3_bucket_policy_not_public", "--fail-on", "critical"]) == 1
    assert main([*base, "--check", "s3_bucket_versioning_enabled", "--fail-on", "critical"]) == 0


def test_store_and_diff_across_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cw.duckdb"
    before = snapshot(public=True).save(tmp_path / "before.json.gz")
    after = snapshot(public=False).save(tmp_path / "after.json.gz")
    common = [
        "--db",
        str(db),
        "--check",
        "s3_bucket_policy_not_public",
        "-q",
        "-o",
        str(tmp_path / "r.json"),
    ]
    assert main(["scan", "--snapshot", str(before), *common]) == 0
    assert main(["scan", "--snapshot", str(after), *common]) == 0
    capsys.readouterr()
    assert main(["findings", "diff", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "resolved: 1" in out
    assert "new failures: 0" in out
    assert main(["findings", "list", "--db", str(db), "--status", "pass"]) == 0
    assert "s3_bucket_policy_not_public" in capsys.readouterr().out


def test_findings_on_an_empty_store_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["findings", "list", "--db", str(tmp_path / "empty.duckdb")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_controls_and_checks_listings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controls", "--framework", "wa"]) == 0
    assert "SEC03-BP07" in capsys.readouterr().out
    assert main(["checks", "--area", "incident_response"]) == 0
    assert "account_security_contact_registered" in capsys.readouterr().out


def test_scanner_policy_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scanner-policy"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "s3:GetBucketPolicy" in doc["Statement"][0]["Action"]
