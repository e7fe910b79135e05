"""A user's mistake ends in one clear line on stderr and exit code 2 — never a traceback."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.lab.server import LabServer, running_lab


@pytest.fixture(scope="module")
def bare_lab() -> Iterator[LabServer]:
    with running_lab() as lab:
        yield lab


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def assert_one_line(err: str, fragment: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cloudwarden: error:")
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_missing_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["scan", "--snapshot", str(tmp_path / "nope.gz"), "--no-store", "-q"], capsys)
    assert code == 2
    assert_one_line(err, "not found")


def test_corrupt_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(b"{not json"))
    code, err = run(["scan", "--snapshot", str(bad), "--no-store", "-q"], capsys)
    assert code == 2
    assert_one_line(err, "not a cloudwarden snapshot")


def test_foreign_json_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "foreign.json"
    bad.write_text('{"Records": []}')
    code, err = run(["scan", "--snapshot", str(bad), "--no-store", "-q"], capsys)
    assert code == 2
    assert_one_line(err, "format tag")


def test_endpoint_down(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["scan", "--endpoint-url", "http://127.0.0.1:9", "--no-store", "-q"], capsys)
    assert code == 2
    assert_one_line(err, "cannot reach endpoint")


def test_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["scan", "--profile", "no-such-profile", "--no-store", "-q"], capsys)
    assert code == 2
    assert_one_line(err, "no-such-profile")


def test_unknown_region(bare_lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "scan",
        "--endpoint-url",
        bare_lab.endpoint,
        "--region",
        "xx-nowhere-1",
        "--no-store",
        "-q",
    ]
    code, err = run(argv, capsys)
    assert code == 2
    assert_one_line(err, "xx-nowhere-1")


def test_a_service_the_lab_lacks_is_an_error_answer_not_terminal_noise(
    bare_lab: LabServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """moto emulates no IAM Access Analyzer, which the assessment asks for: the client gets
    an error answer, and neither moto's "Unable to find appropriate backend" (printed to
    stdout) nor werkzeug's traceback of the request (stderr) reaches the user's terminal,
    as they did in the middle of `cloudwarden demo`."""
    import boto3
    import botocore.exceptions

    from cloudwarden.lab.demo import lab_credentials

    with lab_credentials(bare_lab.endpoint):
        client = boto3.client("accessanalyzer", endpoint_url=bare_lab.endpoint)
        with pytest.raises(botocore.exceptions.ClientError):
            client.list_analyzers()
    out, err = capfd.readouterr()
    assert "Unable to find" not in out + err
    assert "Traceback" not in out + err and "Error on request" not in out + err


def test_unknown_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(
        ["scan", "--snapshot", str(tmp_path / "x"), "--format", "pdf", "--no-store"], capsys
    )
    assert code == 2
    assert_one_line(err, "pdf")


def test_unknown_severity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(
        ["scan", "--snapshot", str(tmp_path / "x"), "--fail-on", "huge", "--no-store"], capsys
    )
    assert code == 2
    assert_one_line(err, "huge")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["detect", "run", "--bogus"], "No such option: --bogus"),
        (["detect", "run"], "Missing argument 'sources'"),
        (["detect", "run", "x", "--engine"], "'--engine' requires an argument"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_are_one_line(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """typer 0.2x raises its own copy of click's usage errors (typer._click): they are the
    user's mistakes, not internal errors (exit 3) as they were taken for."""
    code, err = run(argv, capsys)
    assert code == 2
    assert_one_line(err, fragment)


def test_unreadable_path_option_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """click checks that a path option is readable (root reads anything: os.access is
    made to say no)."""
    import os

    target = tmp_path / "unreadable.jsonl"
    target.write_text("")
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m, **k: False if str(p) == str(target) else real(p, m, **k)
    )
    code, err = run(["detect", "run", str(tmp_path), "-o", str(target)], capsys)
    assert code == 2
    assert_one_line(err, "unreadable.jsonl")


def test_consoles_print_arns_verbatim() -> None:
    """Rich turns ``:name:`` into an emoji by default; a Secrets Manager ARN has ``:secret:``."""
    from cloudwarden.cli.common import stderr, stdout

    arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-password-AbCdEf"
    for console in (stdout, stderr):
        with console.capture() as captured:
            console.print(arn, soft_wrap=True)
        assert captured.get().strip() == arn
