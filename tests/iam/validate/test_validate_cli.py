"""``cloudwarden iam validate`` end to end through ``main``: formats, exit codes, errors.

Exit codes: 0 clean (below ``--fail-on``), 1 a finding at or above ``--fail-on``
(default: ERROR and SECURITY_WARNING), 2 a file that cannot be read or is not JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli.main import main

CLEAN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}
PASS_ROLE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iam:PassRole",
      "Resource": "*"
    }
  ]
}
"""
NO_VERSION = {"Statement": CLEAN["Statement"]}


def _write(tmp_path: Path, name: str, value: object) -> str:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2))
    return str(path)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["iam", "validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_policy_exits_zero_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run([_write(tmp_path, "p.json", CLEAN)], capsys) == (0, "", "")


def test_text_line_has_file_line_path_category_code_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "p.json", PASS_ROLE)
    code, out, _ = _run([path], capsys)
    assert code == 1
    assert out.startswith(f"{path}:7:Statement[0].Resource: SECURITY_WARNING ")
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in out and " — Name the roles" in out


def test_warning_only_passes_by_default_and_fails_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "p.json", NO_VERSION)
    code, out, _ = _run([path], capsys)
    assert code == 0 and "WARNING MISSING_VERSION" in out
    assert _run([path, "--fail-on", "warning"], capsys)[0] == 1
    assert _run([_write(tmp_path, "q.json", PASS_ROLE), "--fail-on", "none"], capsys)[0] == 0


def test_json_output_lists_findings_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run([_write(tmp_path, "p.json", PASS_ROLE), "--format", "json"], capsys)
    [entry] = json.loads(out)
    [finding] = entry["findings"]
    assert code == 1
    assert finding["code"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE"
    assert finding["category"] == "SECURITY_WARNING"
    assert finding["path"] == "Statement[0].Resource" and finding["line"] == 7
    assert finding["fix"] and finding["learn_more"].startswith("https://")


def test_sarif_has_a_rule_per_code_and_a_physical_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "p.json", PASS_ROLE)
    _, out, _ = _run([path, "--format", "sarif"], capsys)
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    [result] = run["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == path
    assert physical["region"] == {"startLine": 7, "startColumn": 7}
    assert result["level"] == "error" and result["ruleIndex"] == 0


def test_output_file_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.sarif"
    path = _write(tmp_path, "p.json", PASS_ROLE)
    code, out, _ = _run([path, "--format", "sarif", "--output", str(target)], capsys)
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["runs"][0]["results"]


def test_resource_and_trust_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = _write(tmp_path, "b.json", CLEAN)
    code, out, _ = _run([bucket, "--type", "resource", "--resource-type", "s3:bucket"], capsys)
    assert code == 1 and "MISSING_PRINCIPAL" in out
    code, out, _ = _run([bucket, "--type", "trust"], capsys)
    assert "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.json"], "cannot read policy file"),
        (["--format", "xml", "P"], "--format must be"),
        (["--fail-on", "loud", "P"], "--fail-on must be"),
        (["--type", "session", "P"], "policy type 'session'"),
        (["--resource-type", "s3:nothing", "--type", "resource", "P"], "unknown resource type"),
        ([], "give at least one policy file"),
    ],
)
def test_user_errors_are_one_line_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "p.json", CLEAN)
    argv = [path if a == "P" else str(tmp_path / a) if a.endswith(".json") else a for a in argv]
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("cloudwarden: error: ") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("text", ['{"Version": ', "[1, 2]"])
def test_malformed_file_is_one_line_exit_2(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run([_write(tmp_path, "bad.json", text)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "bad.json" in err


def test_list_checks_prints_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    from cloudwarden.iam.validate import all_checks

    code, out, _ = _run(["--list-checks"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(all_checks()) >= 80
    assert any(line.startswith("PASS_ROLE_WITH_STAR_IN_RESOURCE ") for line in lines)
    assert "SECURITY_WARNING" in out and "SUGGESTION" in out
