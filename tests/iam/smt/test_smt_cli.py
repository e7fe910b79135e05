"""The three custom policy check commands end to end through ``main``.

Exit codes: 0 PASS, 1 FAIL (the witness is printed, and re-decided here by the engine),
2 bad input (one ``cloudwarden: error:`` line), 3 UNKNOWN (the reason is printed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.cli.main import main
from cloudwarden.iam import Request, parse_policy
from cloudwarden.iam.smt import engine_allows

OLD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r/*"}],
}
NEW = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::r/*",
        }
    ],
}
BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::r/*",
        }
    ],
}
VARIABLE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r/${aws:username}"}
    ],
}


def _write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _witness(data: dict[str, Any]) -> Request:
    w = data["witness"]
    return Request(w["principal"], w["action"], w["resource"], w["context"], w["resource_account"])


def test_no_new_access_fail_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, old = _write(tmp_path, "new.json", NEW), _write(tmp_path, "old.json", OLD)
    code, out, _ = _run(
        ["iam", "check-no-new-access", new, "--reference", old, "--format", "json"], capsys
    )
    assert code == 1
    data = json.loads(out)
    assert data["result"] == "FAIL"
    assert data["witness"]["action"] == "s3:PutObject"
    assert engine_allows("identity", parse_policy(NEW), _witness(data))
    assert not engine_allows("identity", parse_policy(OLD), _witness(data))


def test_no_new_access_pass_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, old = _write(tmp_path, "new.json", NEW), _write(tmp_path, "old.json", OLD)
    code, out, _ = _run(["iam", "check-no-new-access", old, "--reference", new], capsys)
    assert code == 0
    assert out.startswith("PASS")


def test_access_not_granted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = _write(tmp_path, "new.json", NEW)
    argv = ["iam", "check-access-not-granted", new, "--action", "s3:DeleteObject"]
    assert _run(argv, capsys)[0] == 0
    code, out, _ = _run([*argv, "--action", "s3:PutObject"], capsys)
    assert code == 1
    assert "witness (confirmed allowed by the engine)" in out
    assert "s3:PutObject" in out


def test_public_access(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = _write(tmp_path, "bucket.json", BUCKET)
    code, out, _ = _run(
        ["iam", "check-no-public-access", bucket, "--resource-type", "AWS::S3::Bucket",
         "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 1
    data = json.loads(out)
    assert engine_allows("resource", parse_policy(BUCKET), _witness(data))


def test_unknown_exits_3_with_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, old = _write(tmp_path, "v.json", VARIABLE), _write(tmp_path, "old.json", OLD)
    code, out, _ = _run(["iam", "check-no-new-access", new, "--reference", old], capsys)
    assert code == 3
    assert out.startswith("UNKNOWN")
    assert "reason: policy variables in Resource" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check-no-public-access", "{bucket}", "--resource-type", "AWS::Nope::X"],
         "unknown resource type"),
        (["check-access-not-granted", "{bucket}", "--action", "s3:Nope"], "unknown action"),
        (["check-no-new-access", "{bucket}", "--reference", "{bucket}", "--type", "resource"],
         "need a resource type"),
        (["check-no-new-access", "{missing}", "--reference", "{bucket}"], "cannot read"),
        (["check-no-public-access", "{bucket}", "--resource-type", "s3:bucket", "--format", "xml"],
         "--format must be"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    files = {"bucket": _write(tmp_path, "b.json", BUCKET), "missing": str(tmp_path / "nope.json")}
    code, out, err = _run(["iam", *[a.format(**files) for a in argv]], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("cloudwarden: error:") and message in err


def test_rejected_witness_raises_and_cli_says_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the engine ever disagreed with a witness, the library raises (a bug, loudly)
    and the command reports UNKNOWN with the reason, exit 3. Simulated with an engine
    that allows nothing."""
    from cloudwarden.iam.smt import WitnessRejectedError, check_access_not_granted, checks

    monkeypatch.setattr(checks, "engine_allows", lambda *_: False)
    with pytest.raises(WitnessRejectedError):
        check_access_not_granted(parse_policy(NEW), ["s3:PutObject"])
    new = _write(tmp_path, "new.json", NEW)
    code, out, _ = _run(
        ["iam", "check-access-not-granted", new, "--action", "s3:PutObject"], capsys
    )
    assert code == 3
    assert out.startswith("UNKNOWN: the witness was not confirmed by the engine")
