"""``lab up|status|down`` and a scan of the background lab through ``--endpoint-url``.

The background lab is its own process, as a user's hand-started emulator would be, so
this also shows that ``scan --endpoint-url`` works against any AWS-compatible endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.lab.daemon import read_state

pytestmark = pytest.mark.lab


def test_lab_lifecycle_and_endpoint_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "lab.json"
    assert main(["lab", "up", "--state-file", str(state)]) == 0
    try:
        lab = read_state(state)
        assert lab is not None
        assert lab.endpoint.startswith("http://127.0.0.1:")
        assert set(lab.accounts) == {"management", "prod", "dev"}
        assert main(["lab", "status", "--state-file", str(state)]) == 0
        assert lab.endpoint in capsys.readouterr().out

        report = tmp_path / "ocsf.json"
        argv = [
            "scan",
            "--endpoint-url",
            lab.endpoint,
            "--organization",
            "--service",
            "s3",
            "--region",
            "us-east-1",
            "--check",
            "s3_*",
            "--no-store",
            "-q",
            "-o",
            str(report),
        ]
        assert main(argv) == 0
        findings = json.loads(report.read_text())
        accounts = {f["cloud"]["account"]["uid"] for f in findings}
        assert accounts == set(lab.accounts.values())
    finally:
        assert main(["lab", "down", "--state-file", str(state)]) == 0
    assert main(["lab", "status", "--state-file", str(state)]) == 1
