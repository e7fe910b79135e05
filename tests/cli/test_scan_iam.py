"""``cloudwarden scan`` runs the IAM review (admins, escalation paths, external and unused
access) on what it collected: its findings go wherever check findings go (the store, every
format, the ``--fail-on`` gate), the HTML report gets the IAM sections, ``--no-iam-analysis``
turns it off, and data it cannot read is one NOT_ASSESSED finding per account, never a
traceback.

The live scans run against the lab with the privilege-escalation and data seeds only:
``cw-lab-esc-create-policy-version`` can escalate to admin (its ``-fixed`` twin, held back
by a permissions boundary, cannot) and ``cw-lab-public-policy-<dev>`` is public by its
bucket policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.assess import Assessment, CheckSelection, assess_snapshot, with_iam_review
from cloudwarden.checks.runner import all_checks
from cloudwarden.cli.main import main
from cloudwarden.iam.review import REVIEW_ID, REVIEW_KINDS, review_iam
from cloudwarden.inventory.snapshot import CollectionError, Snapshot
from cloudwarden.lab.demo import lab_credentials
from cloudwarden.lab.org import create_organization
from cloudwarden.lab.seed import data, privesc
from cloudwarden.lab.server import running_lab
from cloudwarden.model import Resource, Status
from cloudwarden.store import Store
from cloudwarden.testing import ACCOUNT, make_resource, make_snapshot

ESCALATES = "cw-lab-esc-create-policy-version"
HELD_BACK = f"{ESCALATES}-fixed"


@dataclass(frozen=True)
class Lab:
    endpoint: str
    dev: str

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.dev}:role/{name}"

    @property
    def public_bucket(self) -> str:
        return f"arn:aws:s3:::{data.bucket_name('public-policy', self.dev)}"


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab() as server, lab_credentials(server.endpoint):
        env = create_organization(server.endpoint)
        privesc.seed(env)
        data.seed(env)
        yield Lab(server.endpoint, env.account_id("dev"))


def scan_lab(lab: Lab, *extra: str) -> int:
    """A live organisation scan of what the IAM review reads, through the CLI."""
    services = ("iam", "organizations", "s3")
    argv = ["scan", "--endpoint-url", lab.endpoint, "--organization", "--region", "us-east-1"]
    argv += [arg for s in services for arg in ("--service", s)]
    return main([*argv, "-q", *extra])


def ocsf(path: Path) -> list[tuple[str, str, str]]:
    """``(source id, status, resource ARN)`` of each finding in an OCSF file."""
    events: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return [
        (e["metadata"]["event_code"], e["status_code"], e["resources"][0]["uid"]) for e in events
    ]


@pytest.mark.lab
def test_live_scan_stores_and_reports_the_iam_analysis(lab: Lab, tmp_path: Path) -> None:
    db, report = tmp_path / "store.duckdb", tmp_path / "report.html"
    assert scan_lab(lab, "--db", str(db), "--format", "html", "-o", str(report)) == 0
    with Store.open(db, read_only=True) as store:
        run = store.latest_run()
        assert run is not None
        stored = {(f.source_id, f.status, f.resource_arn) for f in store.findings(run.id)}
    assert ("iam_privilege_escalation_path", Status.FAIL, lab.role(ESCALATES)) in stored
    assert ("iam_privilege_escalation_path", Status.FAIL, lab.role(HELD_BACK)) not in stored
    assert ("iam_access_not_public", Status.FAIL, lab.public_bucket) in stored
    assert any(source.startswith("s3_") for source, _, _ in stored)  # the checks ran too
    assert not any(source == REVIEW_ID for source, _, _ in stored)
    html = report.read_text(encoding="utf-8")
    assert "IAM analysis" in html and "External and unused access" in html
    assert ESCALATES in html


@pytest.mark.lab
def test_no_iam_analysis_leaves_only_the_checks(lab: Lab, tmp_path: Path) -> None:
    out = tmp_path / "plain.json"
    assert scan_lab(lab, "--no-iam-analysis", "--no-store", "-o", str(out)) == 0
    found = ocsf(out)
    assert found and all(source not in REVIEW_KINDS for source, _, _ in found)
    assert {source for source, _, _ in found} >= {"s3_bucket_policy_not_public"}


# --- offline: the same review through ``scan --snapshot``, on snapshots built in memory

OPEN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open/*"}
    ],
}  # fmt: skip
OPEN_BUCKET = make_resource(
    "AWS::S3::Bucket",
    "arn:aws:s3:::open",
    {"Name": "open", "Region": "us-east-1", "Policy": OPEN_POLICY},
    region="global",
)


def role(name: str, inline: dict[str, Any]) -> Resource:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    body = {
        "Path": "/",
        "RoleName": name,
        "Arn": arn,
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}],
        "AttachedManagedPolicies": [],
    }
    return make_resource("AWS::IAM::Role", arn, body, region="global", name=name)


CORRUPT = role("broken", {"Version": "2012-10-17", "Statement": [{"Effect": "Perhaps"}]})


def saved(tmp_path: Path, *resources: Resource) -> Path:
    return make_snapshot(resources).save(tmp_path / "snap.json.gz")


def test_unreadable_policy_is_one_not_assessed_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    argv = ["scan", "--snapshot", str(saved(tmp_path, OPEN_BUCKET, CORRUPT)), "--no-store"]
    assert main([*argv, "-o", str(out)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    events = json.loads(out.read_text(encoding="utf-8"))
    reviewed = [e for e in events if e["metadata"]["event_code"] in REVIEW_KINDS]
    assert [(e["metadata"]["event_code"], e["status_code"]) for e in reviewed] == [
        (REVIEW_ID, "NOT_ASSESSED")
    ]
    assert reviewed[0]["status_detail"].startswith("IAM analysis failed: AccountDataError:")
    assert "role/broken" in reviewed[0]["status_detail"]  # the reason names the policy's owner
    assert any(e["metadata"]["event_code"].startswith("s3_") for e in events)  # checks went on


def test_iam_findings_trip_the_gate_like_check_findings(tmp_path: Path) -> None:
    snap = str(saved(tmp_path, OPEN_BUCKET))
    argv = ["scan", "--snapshot", snap, "--no-store", "-q", "-o", str(tmp_path / "o.json")]
    gate = ["--check", "iam_*", "--fail-on", "critical"]
    assert main([*argv, *gate]) == 1  # iam_access_not_public: anyone can read
    assert main([*argv, *gate, "--no-iam-analysis"]) == 0


def test_sarif_carries_the_iam_findings(tmp_path: Path) -> None:
    out = tmp_path / "cw.sarif"
    snap = str(saved(tmp_path, OPEN_BUCKET))
    assert (
        main(["scan", "--snapshot", snap, "--no-store", "-q", "-f", "sarif", "-o", str(out)]) == 0
    )
    rules = {r["ruleId"] for run in json.loads(out.read_text())["runs"] for r in run["results"]}
    assert "iam_access_not_public" in rules


ALL = CheckSelection()


def assessed(snapshot: Snapshot, selection: CheckSelection = ALL) -> Assessment:
    return Assessment(snapshot, assess_snapshot(snapshot, selection), datetime.now(UTC))


PUBLIC = {"iam_access_not_public", "s3_bucket_policy_not_public"}  # a check and the review agree


@pytest.mark.parametrize(
    ("selection", "failed", "reviewed"),
    [
        (CheckSelection(), PUBLIC, True),
        (CheckSelection(include=("s3_*",)), {"s3_bucket_policy_not_public"}, False),
        (CheckSelection(exclude=("iam_access_*",)), {"s3_bucket_policy_not_public"}, True),
        (CheckSelection(areas=("identity_access",)), {"iam_access_not_public"}, True),
        (CheckSelection(areas=("data_protection",)), {"s3_bucket_policy_not_public"}, False),
    ],
    ids=["everything", "checks-by-glob", "review-kind-excluded", "identity-area", "other-area"],
)
def test_selection_picks_review_findings_as_it_picks_checks(
    selection: CheckSelection, failed: set[str], reviewed: bool
) -> None:
    """Selected like checks: by id glob and area; not run at all when nothing it gives is
    wanted."""
    result = with_iam_review(assessed(make_snapshot([OPEN_BUCKET]), selection), selection)
    assert {f.source_id for f in result.findings if f.failed} & PUBLIC == failed
    assert (result.iam is not None) is reviewed


def test_uncollected_principals_are_not_assessed_not_a_clean_pass() -> None:
    denied = CollectionError(
        account=ACCOUNT,
        region="global",
        service="iam",
        operation="GetAccountAuthorizationDetails",
        code="AccessDenied",
        reason="not authorised",
        resource_types=("AWS::IAM::User", "AWS::IAM::Role"),
    )
    result = with_iam_review(assessed(make_snapshot([OPEN_BUCKET], errors=[denied])))
    missing = [f for f in result.findings if f.source_id == REVIEW_ID]
    assert [(f.account, f.status) for f in missing] == [(ACCOUNT, Status.NOT_ASSESSED)]
    assert "AccessDenied" in missing[0].status_reason
    assert result.iam is not None  # the access analysis still ran


def test_every_review_finding_kind_is_selectable() -> None:
    """``REVIEW_KINDS`` is what ``--check`` matches and what decides whether to run at all:
    a kind the review produces but the list lacks would be silently dropped."""
    admin = role("admin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})  # fmt: skip
    review = review_iam(make_snapshot([OPEN_BUCKET, admin]))
    produced = {f.source_id for f in review.findings()}
    assert "iam_effective_admin" in produced
    assert produced <= set(REVIEW_KINDS)
    assert not set(REVIEW_KINDS) & {c.id for c in all_checks()}  # one --check namespace
