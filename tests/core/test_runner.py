"""The check runner: NOT_ASSESSED where data is missing, and a broken check never sinks a scan."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.checks.api import Check, CheckContext, CheckMeta, CheckResult, scope_arn
from cloudwarden.checks.runner import run_check
from cloudwarden.model import Area, Remediation, Severity, Status, stable_finding_id
from cloudwarden.testing import collection_error, make_resource, make_snapshot

META = CheckMeta(
    id="demo_bucket_ok",
    title="demo",
    severity=Severity.LOW,
    area=Area.DATA,
    resource_type="AWS::S3::Bucket",
    wa_ids=("SEC08-BP02",),
    cis_ids=(),
    permissions=(),
    remediation=Remediation(text="fix"),
    description="",
)


def bucket_check(ctx: CheckContext) -> Iterator[CheckResult]:
    for b in ctx.resources():
        yield (ctx.failed if b.data.get("bad") else ctx.passed)(b, "reason")


def broken(ctx: CheckContext) -> Iterator[CheckResult]:
    raise KeyError("Policy")
    yield  # pragma: no cover


def test_results_become_findings_with_stable_ids() -> None:
    snap = make_snapshot([make_resource("AWS::S3::Bucket", "arn:aws:s3:::a", {"bad": True})])
    (finding,) = run_check(snap, Check(META, bucket_check, __name__))
    assert finding.status is Status.FAIL
    assert finding.id == stable_finding_id(
        "demo_bucket_ok", "123456789012", "us-east-1", "arn:aws:s3:::a"
    )
    assert finding.wa_ids == ("SEC08-BP02",)


def test_collection_error_means_not_assessed_for_that_scope_only() -> None:
    snap = make_snapshot(
        [make_resource("AWS::S3::Bucket", "arn:aws:s3:::a", account="111111111111")],
        accounts=["111111111111", "222222222222"],
        errors=[collection_error("AWS::S3::Bucket", account="222222222222")],
    )
    statuses = {(f.account, f.status) for f in run_check(snap, Check(META, bucket_check, __name__))}
    assert statuses == {("111111111111", Status.PASS), ("222222222222", Status.NOT_ASSESSED)}


def test_broken_check_is_not_assessed_with_reason() -> None:
    snap = make_snapshot()
    (finding,) = run_check(snap, Check(META, broken, __name__))
    assert finding.status is Status.NOT_ASSESSED
    assert "KeyError" in finding.status_reason


def test_scope_arn_is_a_six_part_arn() -> None:
    assert scope_arn("aws", "guardduty", "123456789012", "eu-west-1").split(":") == [
        "arn",
        "aws",
        "guardduty",
        "eu-west-1",
        "123456789012",
        "account",
    ]
    assert scope_arn("aws", "iam", "123456789012", "global") == "arn:aws:iam::123456789012:account"
