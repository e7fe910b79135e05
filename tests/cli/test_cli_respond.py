"""``cloudwarden respond``: run, list, show, rollback, validate — and a runner killed mid-run.

Everything runs against the lab emulator. The crash tests start ``respond run`` in a
child process, SIGKILL it at a chosen point (the runner's test seam makes it wait
there), restart with ``respond resume`` and check through the AWS API that no step is
both done in AWS and missing from the journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from cloudwarden.cli.main import main
from cloudwarden.lab.server import LabServer, running_lab
from cloudwarden.respond.journal import Journal
from cloudwarden.respond.runner import PAUSE_ENV
from cloudwarden.store import Store

ACCOUNT = "123456789012"  # the lab's (moto's) account
REGION = "us-east-1"

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


def iam(lab: LabServer) -> Any:
    return boto3.client("iam", region_name=REGION, endpoint_url=lab.endpoint)


def compromised_key(lab: LabServer, db: Path) -> tuple[str, str, str]:
    """A user with a key, and a stored alert naming both; returns (user, key, alert id)."""
    user = f"u-{uuid.uuid4().hex[:8]}"
    iam(lab).create_user(UserName=user)
    key = iam(lab).create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    alert_id = uuid.uuid4().hex
    alert = {
        "alert_id": alert_id,
        "rule_id": "rule-key-from-tor",
        "title": "Access key used from a Tor exit node",
        "severity": "high",
        "account": ACCOUNT,
        "region": REGION,
        "event_id": "e1",
        "event_time": "2026-11-01T10:00:00+00:00",
        "context": {"userIdentity.userName": user, "userIdentity.accessKeyId": key},
    }
    with Store.open(db) as store:
        store.record_alerts([alert])
    return user, key, alert_id


def cli(args: list[str], lab: LabServer, db: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    code = main(["respond", *args, "--db", str(db), *_endpoint(args, lab)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _endpoint(args: list[str], lab: LabServer) -> list[str]:
    return ["--endpoint-url", lab.endpoint] if args[0] in ("run", "resume", "rollback") else []


def key_status(lab: LabServer, user: str) -> str | None:
    keys = iam(lab).list_access_keys(UserName=user)["AccessKeyMetadata"]
    return str(keys[0]["Status"]) if keys else None


def test_run_is_a_dry_run_unless_approved(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    user, key, alert_id = compromised_key(lab, db)
    code, out, _ = cli(["run", "compromised-access-key", "--alert", alert_id], lab, db, capsys)
    assert code == 0
    assert "planned" in out and f"would deactivate access key {key}" in out
    assert out.strip().splitlines()[-1].startswith("dry-run:")
    assert key_status(lab, user) == "Active"

    code, out, _ = cli(
        ["run", "compromised-access-key", "--alert", alert_id, "--approve", "--json"],
        lab,
        db,
        capsys,
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "done"
    assert key_status(lab, user) is None  # deactivated, then deleted after the approval

    code, out, _ = cli(
        ["run", "compromised-access-key", "--alert", alert_id, "--approve"], lab, db, capsys
    )
    assert code == 0 and "already handled" in out and "nothing changed" in out

    code, out, _ = cli(["list", "--json"], lab, db, capsys)
    runs = json.loads(out)
    assert [r["status"] for r in runs] == ["dry-run", "done"]

    code, out, _ = cli(["show", doc["run_id"], "--record"], lab, db, capsys)
    assert code == 0
    assert out.startswith(f"# Post-incident record — run {doc['run_id']}")
    assert "Access key used from a Tor exit node" in out
    assert "[contain] `deactivate_key` — done" in out
    assert "- [ ] review_activity:" in out


def test_rollback_undoes_what_can_be_undone(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    user, _key, alert_id = compromised_key(lab, db)
    code, out, _ = cli(
        ["run", "compromised-access-key", "--alert", alert_id, "--mode", "approve", "--json"],
        lab,
        db,
        capsys,
    )
    run_id = json.loads(out)["run_id"]
    assert json.loads(out)["status"] == "awaiting-approval"
    assert key_status(lab, user) == "Inactive"
    assert iam(lab).list_user_policies(UserName=user)["PolicyNames"]

    code, out, _ = cli(["rollback", run_id], lab, db, capsys)
    assert code == 0, out
    assert "rolled-back: " in out
    assert key_status(lab, user) == "Active"
    assert iam(lab).list_user_policies(UserName=user)["PolicyNames"] == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "no-such-playbook", "--alert", "x"], "no such playbook"),
        (["run", "compromised-access-key", "--alert", "missing"], "no alert 'missing'"),
        (["run", "compromised-access-key"], "exactly one of --alert ID or --finding ID"),
        (["show", "ir-nope"], "no response run 'ir-nope'"),
        (["resume", "ir-nope"], "no response run 'ir-nope'"),
    ],
)
def test_mistakes_end_in_one_line(
    lab: LabServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragment: str,
) -> None:
    db = tmp_path / "s.duckdb"
    Store.open(db).close()
    code, _out, err = cli(args, lab, db, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cloudwarden: error:") and fragment in lines[0]


def test_validate_prints_located_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "id: bad\nsteps:\n  - id: a\n    phase: contain\n    action: s3.block_public_access\n"
        "    params: {bucket: x}\n    retry: {max_attempts: 0}\n"
    )
    code = main(["respond", "validate", str(bad)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad}:steps[0].retry.max_attempts: must be an integer from 1 to 50" in out
    assert f"{bad}:steps: a playbook ends with a 'record' step" in out


def test_playbooks_lists_the_shipped_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["respond", "playbooks", "--json"]) == 0
    ids = {p["id"] for p in json.loads(capsys.readouterr().out)}
    assert len(ids) >= 9 and {"compromised-access-key", "access-key-rotation"} <= ids


# -- crash safety -----------------------------------------------------------------------


def _run_until_paused(lab: LabServer, db: Path, alert_id: str, pause: str) -> None:
    """Start ``respond run`` in a child, wait for it to reach ``pause``, then SIGKILL it."""
    env = {**os.environ, PAUSE_ENV: pause, "CLOUDWARDEN_DEBUG": "1"}
    argv = [sys.executable, "-m", "cloudwarden.cli.main", "respond", "run"]
    argv += ["compromised-access-key", "--alert", alert_id, "--approve", "--db", str(db)]
    argv += ["--endpoint-url", lab.endpoint]
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stderr is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = child.stderr.readline().decode()
            if "cloudwarden-test: paused" in line:
                break
            if not line and child.poll() is not None:
                raise AssertionError(f"runner exited early: {child.stdout.read()!r}")  # type: ignore[union-attr]
        else:
            raise AssertionError("runner never reached the pause point")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _journal(db: Path) -> tuple[str, list[Any]]:
    with Store.open(db) as store:
        journal = Journal(store)
        [info] = journal.runs()
        return info.run_id, journal.entries(info.run_id)


def _done_in_aws(lab: LabServer, user: str) -> dict[str, bool]:
    """Which steps' effects the AWS API shows (the truth the journal must match)."""
    status = key_status(lab, user)
    return {
        "deactivate_key": status != "Active",
        "revoke_sessions": bool(iam(lab).list_user_policies(UserName=user)["PolicyNames"]),
        "delete_key": status is None,
    }


def _recorded(entries: list[Any]) -> set[str]:
    return {e.step for e in entries if e.kind in ("done", "recovered")}


@pytest.mark.parametrize(
    ("pause", "killed_step_kinds"),
    [
        ("after-call:deactivate_key", ["intent"]),  # done in AWS, not yet journaled
        ("after-intent:revoke_sessions", ["intent"]),  # journaled intent, call not made
        ("after-result:deactivate_key", ["intent", "done"]),  # between two steps
    ],
)
def test_killed_runner_resumes_with_no_step_done_and_unrecorded(
    lab: LabServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pause: str,
    killed_step_kinds: list[str],
) -> None:
    db = tmp_path / "s.duckdb"
    user, _key, alert_id = compromised_key(lab, db)
    _run_until_paused(lab, db, alert_id, pause)

    run_id, entries = _journal(db)
    killed_step = pause.split(":")[1]
    assert [e.kind for e in entries if e.step == killed_step] == killed_step_kinds
    assert entries[-1].kind in ("intent", "done")  # nothing after the kill point

    code, out, _ = cli(["resume", run_id, "--approve"], lab, db, capsys)
    assert code == 0, out
    run_id, entries = _journal(db)
    assert entries[-1].kind == "run-finished" and entries[-1].data["status"] == "done"
    in_aws = _done_in_aws(lab, user)
    assert all(in_aws.values())
    # the acceptance test: whatever AWS shows as done, the journal records as done
    assert {step for step, done in in_aws.items() if done} <= _recorded(entries)
    if pause.startswith("after-call"):
        assert [e.kind for e in entries if e.step == killed_step] == ["intent", "recovered"]


def test_watch_routes_new_alerts_never_beyond_the_configured_mode(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    user, _key, alert_id = compromised_key(lab, db)
    with Store.open(db) as store:  # the rule suggests the playbook, as builtin rules do
        [alert] = store.alerts()
        store.write([("DELETE FROM alerts", [])])
        store.record_alerts([{**alert, "playbook": "compromised-access-key"}])
    watch = ["watch", "--once", "--environment", "lab", "--endpoint-url", lab.endpoint]
    code, out, _ = cli(watch, lab, db, capsys)
    # the lab route says auto; with no configuration the responder stays in dry run
    assert code == 0
    assert f"alert:{alert_id} -> compromised-access-key (dry-run): dry-run" in out
    assert key_status(lab, user) == "Active"
    code, out, _ = cli(watch, lab, db, capsys)
    assert out == ""  # handled once

    config = tmp_path / "respond.yml"
    config.write_text(f"mode: auto\nscope:\n  accounts: ['{ACCOUNT}']\n  regions: [{REGION}]\n")
    user2, _key2, alert2 = compromised_key(lab, db)
    with Store.open(db) as store:
        fresh = next(a for a in store.alerts() if a["alert_id"] == alert2)
        store.write([("DELETE FROM alerts WHERE alert_id = ?", [alert2])])
        store.record_alerts([{**fresh, "playbook": "compromised-access-key"}])
    code, out, _ = cli([*watch, "--config", str(config)], lab, db, capsys)
    assert f"alert:{alert2} -> compromised-access-key (auto): done" in out
    assert key_status(lab, user2) is None


def test_watch_keeps_polling_while_another_process_holds_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB admits one writing process, and `detect watch` opens the store for each batch
    of alerts it records: a busy store must not end `respond watch`, only delay its poll
    (with --once it is the usual one-line error)."""
    import cloudwarden.cli.respond as respond_cli
    from cloudwarden.store import StoreError

    opened: list[int] = []
    real_open = respond_cli._open

    def busy_then_free(db: Path | None) -> Store:
        opened.append(1)
        if len(opened) == 1:
            raise StoreError("store x.duckdb is in use by another process")
        return real_open(db)

    class Stop(BaseException):  # past the CLI's own error handling
        pass

    def sleep(_: float) -> None:
        if len(opened) >= 2:
            raise Stop

    monkeypatch.setattr(respond_cli, "_open", busy_then_free)
    monkeypatch.setattr(respond_cli.time, "sleep", sleep)
    db = tmp_path / "store.duckdb"
    with pytest.raises(Stop):
        main(["respond", "watch", "--db", str(db), "--interval", "0.1"])
    assert len(opened) == 2
    assert "store busy or unreadable, retrying" in capsys.readouterr().err

    opened.clear()
    assert main(["respond", "watch", "--db", str(db), "--once"]) == 2
    assert "in use by another process" in capsys.readouterr().err


def test_responder_policy_command_prints_the_generated_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cloudwarden.respond.policy import responder_policy

    assert main(["responder-policy", "--account", "111122223333"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == responder_policy(account="111122223333")
    assert all(a != "*" for s in printed["Statement"] for a in _as_list(s.get("Action")))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_watch_routes_the_latest_scans_failed_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`respond watch` runs from new alerts and findings: a failed posture finding of the
    latest scan run becomes a trigger, a passing one does not."""
    import cloudwarden.cli.respond as respond_cli
    from cloudwarden.model import Area, Finding, FindingSource, Severity, Status
    from cloudwarden.store import RunMeta

    def finding(status: Status, name: str) -> Finding:
        return Finding(
            id=f"f-{name}",
            source=FindingSource.CHECK,
            source_id="s3_bucket_public_access_blocked",
            title="S3 bucket blocks public access",
            status=status,
            severity=Severity.HIGH,
            area=Area.DATA,
            account=ACCOUNT,
            region=REGION,
            resource_arn=f"arn:aws:s3:::{name}",
            resource_type="AWS::S3::Bucket",
            status_reason="public access block off" if status is Status.FAIL else "blocked",
        )

    db = tmp_path / "store.duckdb"
    with Store.open(db) as store:
        store.record_run(
            [finding(Status.FAIL, "open-bucket"), finding(Status.PASS, "closed-bucket")],
            RunMeta(kind="scan", accounts=(ACCOUNT,)),
        )
        seen = [t.id for t in respond_cli._new_triggers(store, "aws", findings=True)]
        assert seen == ["f-open-bucket"]
        assert list(respond_cli._new_triggers(store, "aws", findings=False)) == []


def _store_alert(db: Path, **fields: Any) -> str:
    alert_id = uuid.uuid4().hex
    alert = {
        "alert_id": alert_id,
        "rule_id": "rule-x",
        "title": "Accepted connection to a mining pool port",
        "severity": "high",
        "account": ACCOUNT,
        "region": REGION,
        "event_id": "e1",
        "event_time": "2026-11-01T10:00:00+00:00",
        **fields,
    }
    with Store.open(db) as store:
        store.record_alerts([alert])
    return alert_id


def test_a_run_that_needs_an_input_is_no_failure(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 3 (needs-input) and 4 (not-applicable), not 1; list and show say which input."""
    db = tmp_path / "s.duckdb"
    nobody = _store_alert(db, dedup_key="srcaddr=10.250.1.1; dstaddr=203.0.113.9")
    run = ["run", "ec2-compromised-instance", "--alert", nobody, "--approve"]
    code, out, _ = cli(run, lab, db, capsys)
    assert code == 3, out
    assert "needs-input" in out and "instance_id" in out
    code, out, _ = cli([*run, "--json"], lab, db, capsys)
    doc = json.loads(out)
    assert code == 3 and doc["status"] == "needs-input" and doc["missing"] == ["instance_id"]

    code, out, _ = cli(["list"], lab, db, capsys)
    assert code == 0 and "needs-input (instance_id)" in out
    code, out, _ = cli(["list", "--json"], lab, db, capsys)
    assert all(r["missing"] == ["instance_id"] for r in json.loads(out))
    code, out, _ = cli(["show", doc["run_id"]], lab, db, capsys)
    assert code == 0 and "needs-input" in out and "no value for instance_id" in out

    gone = _store_alert(db, context={"requestParameters.groupId": "sg-0fedcba9876543210"})
    code, out, _ = cli(
        ["run", "security-group-open", "--alert", gone, "--approve"], lab, db, capsys
    )
    assert code == 4, out
    assert "not-applicable" in out and "sg-0fedcba9876543210" in out


def test_watch_does_not_retry_a_run_that_needs_an_input(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    alert_id = _store_alert(
        db, playbook="ec2-compromised-instance", dedup_key="srcaddr=10.250.2.2; dstaddr=1.2.3.4"
    )
    config = tmp_path / "respond.yml"
    config.write_text(f"mode: auto\nscope:\n  accounts: ['{ACCOUNT}']\n  regions: [{REGION}]\n")
    watch = ["watch", "--once", "--environment", "lab", "--endpoint-url", lab.endpoint]
    code, out, _ = cli([*watch, "--config", str(config)], lab, db, capsys)
    assert code == 0
    assert f"alert:{alert_id} -> ec2-compromised-instance (auto): needs-input" in out
    code, out, _ = cli([*watch, "--config", str(config)], lab, db, capsys)
    assert code == 0 and out == ""  # not tried again
    with Store.open(db) as store:
        assert len(Journal(store).runs(f"alert:{alert_id}")) == 1
