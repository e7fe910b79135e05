"""``cloudwarden iam simulate`` and ``cloudwarden iam who-can`` end to end, through ``main``.

The batch output is the public contract of the IAM issue: one JSON line per input line,
in order, ``{"id", "decision"}`` or ``{"id", "error"}``, and a non-zero exit at the end
when a line errored. User mistakes end in one ``cloudwarden: error:`` line and exit 2.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.cli.main import main

# the in-memory organisation of the account-mode tests lives beside them
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "iam"))
from account_fixture import ALICE, APP_ROLE, BOB, BUCKET, organisation_snapshot

USER = "arn:aws:iam::111122223333:user/alice"
S3_READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "NoHttp", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}  # fmt: skip
ALLOW_ALL = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}  # fmt: skip


def _write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return str(path)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _simulate(tmp_path: Path, *extra: str) -> list[str]:
    return ["iam", "simulate", "--principal", USER, "--action", "s3:GetObject",
            "--resource", "arn:aws:s3:::b/k", "--identity-policy",
            _write(tmp_path, "id.json", S3_READ), *extra]  # fmt: skip


def test_one_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(_simulate(tmp_path, "--context", "aws:SecureTransport=true"), capsys)
    assert code == 0
    assert out.startswith("allowed: allowed by the identity-based policies")


def test_context_and_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scp = _write(tmp_path, "scp.json", ALLOW_ALL)
    argv = _simulate(tmp_path, "--context", "aws:SecureTransport=false", "--scp", f"0:{scp}",
                     "--scp", f"2:{scp}", "--json")  # fmt: skip
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert json.loads(out) == {"decision": "explicit_deny",
                               "reason": "explicit Deny in an identity-based policy"}  # fmt: skip


def test_explain_shows_every_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(_simulate(tmp_path, "--explain"), capsys)
    assert code == 0
    assert "implicit_deny" not in out.splitlines()[0]
    for layer in ("scp:", "rcp:", "resource:", "identity:", "boundary:", "session:"):
        assert layer in out
    assert "NoHttp" in out and "condition Bool aws:SecureTransport" in out and "absent" in out


def test_explain_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(_simulate(tmp_path, "--explain", "--json"), capsys)
    assert code == 0
    assert set(json.loads(out)["explanation"]["layers"]) == {
        "scp", "rcp", "resource", "identity", "boundary", "session"}  # fmt: skip


LINES = [
    {"id": "a", "principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
     "identity_policies": [S3_READ], "context": {"aws:SecureTransport": "true"}},
    {"id": "b", "principal": USER, "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k",
     "identity_policies": [S3_READ]},
    {"id": "c", "principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
     "identity_policies": [S3_READ], "scps": [[ALLOW_ALL], []]},
]  # fmt: skip
EXPECTED = [{"id": "a", "decision": "allowed"}, {"id": "b", "decision": "implicit_deny"},
            {"id": "c", "decision": "implicit_deny"}]  # fmt: skip


def test_batch_from_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = _write(tmp_path, "in.jsonl", "\n".join(json.dumps(x) for x in LINES) + "\n")
    code, out, err = _run(["iam", "simulate", "--batch", batch], capsys)
    assert (code, err) == (0, "")
    assert [json.loads(x) for x in out.splitlines()] == EXPECTED


def test_batch_from_stdin_with_explain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(json.dumps(x) for x in LINES)))
    code, out, _ = _run(["iam", "simulate", "--batch", "-", "--explain"], capsys)
    results = [json.loads(x) for x in out.splitlines()]
    assert code == 0
    assert [{"id": r["id"], "decision": r["decision"]} for r in results] == EXPECTED
    assert all("explanation" in r for r in results)


def test_batch_errors_are_lines_and_exit_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_policy = {"Statement": {"Effect": "Maybe", "Action": "s3:*"}}
    lines = [json.dumps(LINES[0]), "{not json",
             json.dumps({**LINES[1], "id": "bad", "identity_policies": [bad_policy]}),
             json.dumps(LINES[1])]  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, err = _run(["iam", "simulate", "--batch", "-"], capsys)
    results = [json.loads(x) for x in out.splitlines()]
    assert code == 1
    assert [r.get("id") for r in results] == ["a", None, "bad", "b"]
    assert results[1]["error"].startswith("line 2: invalid JSON")
    assert "identity_policies[0].Statement.Effect" in results[2]["error"]
    assert results[3]["decision"] == "implicit_deny"
    assert "2 batch line(s) had errors" in err


@pytest.mark.parametrize(
    ("argv_extra", "fragment"),
    [
        (["--identity-policy", "/nonexistent/p.json"], "cannot read policy file"),
        (["--scp", "root.json"], "LEVEL:FILE"),
        (["--context", "novalue"], "key=value"),
    ],
)
def test_user_errors_are_one_line(
    argv_extra: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["iam", "simulate", "--principal", USER, "--action", "s3:GetObject", *argv_extra]
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert err.strip().startswith("cloudwarden: error:") and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_policy_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path, "bad.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Condition": {"StringEqualz": {"k": "v"}}}]})  # fmt: skip
    argv = ["iam", "simulate", "--principal", USER, "--action", "s3:GetObject",
            "--identity-policy", bad]  # fmt: skip
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert "bad.json: Statement[0].Condition.StringEqualz" in err


@pytest.fixture
def saved_snapshot(tmp_path: Path) -> str:
    return str(organisation_snapshot().save(tmp_path / "org.json.gz"))


def test_account_mode(saved_snapshot: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["iam", "simulate", "--snapshot", saved_snapshot, "--principal", ALICE,
            "--action", "sts:AssumeRole", "--resource", APP_ROLE, "--explain"]  # fmt: skip
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert out.startswith("allowed")
    assert "resource: allows" in out


def test_account_mode_unknown_principal(
    saved_snapshot: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["iam", "simulate", "--snapshot", saved_snapshot, "--principal",
            "arn:aws:iam::111122223333:user/ghost", "--action", "s3:GetObject"]  # fmt: skip
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert "user/ghost is not an IAM user or role of the snapshot" in err


def test_who_can(saved_snapshot: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["iam", "who-can", "s3:GetObject", f"{BUCKET}/k", "--snapshot", saved_snapshot, "--json"]
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert [json.loads(x)["principal"] for x in out.splitlines()] == [BOB, ALICE]
    code, out, _ = _run([*argv, "--all"], capsys)
    assert code == 0
    assert {json.loads(x)["principal"].rsplit("/", 1)[-1] for x in out.splitlines()} == {
        "alice", "bob", "app", "admin"}  # fmt: skip
    code, out, _ = _run(argv[:-1], capsys)
    assert code == 0 and "who can s3:GetObject" in out and "allowed" in out
