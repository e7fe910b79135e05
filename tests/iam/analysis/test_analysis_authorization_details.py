"""Reading ``aws iam get-account-authorization-details`` output: the CLI's decoded
documents and the raw API's URL-encoded ones, pages one after the other, an attached
AWS-managed policy the file lacks; then the analysis of the sample account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.iam.analysis import (
    ADMIN,
    AuthorizationDetailsError,
    analyze,
    load_authorization_details,
)

SAMPLE = Path(__file__).parent / "data" / "authorization-details.json"
ACCT = "210987654321"
DANA = f"arn:aws:iam::{ACCT}:user/engineering/dana"
CI = f"arn:aws:iam::{ACCT}:user/ci-deployer"
AUDITOR = f"arn:aws:iam::{ACCT}:user/auditor"
EXPORTER = f"arn:aws:iam::{ACCT}:role/service-role/billing-exporter"


def test_loads_every_principal_and_policy() -> None:
    data = load_authorization_details(SAMPLE)
    assert data.accounts == (ACCT,)
    assert data.origin == "authorization-details"
    names = sorted(r.name for r in data.principals())
    assert names == [
        "auditor", "billing-exporter", "ci-deployer", "dana", "dev-sandbox", "ops-admin",
        "partner-audit",
    ]  # fmt: skip
    (warning,) = data.warnings
    assert "ReadOnlyAccess" in warning and "treated as granting nothing" in warning


def test_url_encoded_documents_are_decoded() -> None:
    data = load_authorization_details(SAMPLE)
    ci = data.snapshot.by_arn(CI)
    assert ci is not None
    document = ci.data["UserPolicyList"][0]["PolicyDocument"]
    assert document["Statement"][0]["Sid"] == "PassExecutionRole"


def _pages(text: str) -> tuple[dict[str, object], dict[str, object]]:
    whole = json.loads(text)
    first = {"UserDetailList": whole["UserDetailList"], "GroupDetailList": whole["GroupDetailList"],
             "RoleDetailList": [], "Policies": [], "IsTruncated": True, "Marker": "abc"}  # fmt: skip
    second = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": whole["RoleDetailList"],
              "Policies": whole["Policies"], "IsTruncated": False}  # fmt: skip
    return first, second


def test_pages_printed_one_after_the_other(tmp_path: Path) -> None:
    first, second = _pages(SAMPLE.read_text())
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(first, indent=2) + "\n" + json.dumps(second, indent=2) + "\n")
    a = analyze(load_authorization_details(path), risky=False)
    b = analyze(load_authorization_details([first, second]), risky=False)
    c = analyze(load_authorization_details(SAMPLE), risky=False)
    assert [p.to_dict() for p in a.paths] == [p.to_dict() for p in b.paths]
    assert [p.principal for p in a.paths] == [p.principal for p in c.paths]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty input"),
        ('{"UserDetailList": [}', "invalid JSON at line 1"),
        ('{"Reservations": []}', "page 0: not get-account-authorization-details output"),
    ],
)
def test_bad_input_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(AuthorizationDetailsError, match=message):
        load_authorization_details(text.encode())


def test_missing_file() -> None:
    with pytest.raises(AuthorizationDetailsError, match="cannot read"):
        load_authorization_details(Path("/nonexistent/details.json"))


def test_sample_analysis() -> None:
    analysis = analyze(load_authorization_details(SAMPLE))
    assert {a.principal.rsplit("/", 1)[-1] for a in analysis.admins} == {
        "ops-admin", "billing-exporter"
    }  # fmt: skip
    paths = {p.principal: p for p in analysis.paths}
    assert set(paths) == {DANA, CI}
    assert paths[DANA].reaches == ADMIN
    assert [h.technique for h in paths[DANA].hops] == ["R1-create-policy-version"]
    assert paths[DANA].hops[0].statements == ["inline:self-service#ManageOwnPolicy"]
    ci = paths[CI]
    assert ci.reaches == EXPORTER
    assert ci.hops[0].technique == "R27-passrole-lambda-invoke"
    assert ci.hops[0].statements[0] == "inline:deploy-functions#PassExecutionRole"
    # the auditor may pass roles, but never to Lambda (an explicit deny on PassedToService)
    assert AUDITOR not in paths
    cross = [t for t in analysis.role_graph if t.cross_account]
    assert [(t.trusted, t.conditional) for t in cross] == [("arn:aws:iam::999900001111:root", True)]
