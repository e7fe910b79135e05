"""Bad rule input is a per-rule problem or a per-rule error, never a crash of the whole run.

* a rule file whose YAML is a list or a string is one invalid rule, the folder still loads;
* a ``python:`` function that raises makes the event not match that rule, is counted per
  rule (on both engines) and fails the rule's ``detect test``, the other rules go on;
* a threshold window or suppression beyond a year is rejected when the rule loads;
* a Sigma rule for a log source cloudwarden does not read is unsupported, with the reason.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden.cli.main import main
from cloudwarden.detect.correlate import Detector
from cloudwarden.detect.matching import _SERVICE_KINDS, ENGINES, EngineName
from cloudwarden.detect.rules import (
    hatch,
    load_native,
    load_rules,
    load_sigma,
    native,
    parse_duration,
    sigma,
)
from cloudwarden.detect.rules.testing import events_of, run_rule_tests

SIGMA_AWS = Path("/work/shared/sigma/aws")

GOOD_NATIVE = """\
id: good-root
title: Root activity
severity: high
logsource: cloudtrail
detection:
  selection: {userIdentity.type: Root}
  condition: selection
"""

GOOD_SIGMA = """\
title: Root activity
id: 0f0e0d0c-0b0a-4909-8807-060504030201
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {userIdentity.type: Root}
  condition: selection
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---- 1. a rule file that is not a mapping ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape"),
    [("- x\n", "a list"), ("hello\n", "a string"), ("42\n", "a number")],
)
def test_a_yaml_list_or_string_is_one_invalid_rule_and_the_folder_loads(
    tmp_path: Path, text: str, shape: str
) -> None:
    bad = write(tmp_path, "bad.yml", text)
    write(tmp_path, "native.yml", GOOD_NATIVE)
    write(tmp_path, "sigma.yml", GOOD_SIGMA)
    res = load_rules([tmp_path])
    assert sorted(r.id for r in res.rules) == ["0f0e0d0c-0b0a-4909-8807-060504030201", "good-root"]
    (problem,) = res.problems
    assert problem.path == str(bad) and problem.kind == "invalid"
    assert problem.message == (
        f"not a rule: the YAML is {shape}, not a mapping "
        "(a rule file holds one YAML mapping per rule)"
    )
    # each loader alone says the same
    for loader in (load_sigma, load_native):
        (p,) = loader([bad]).problems
        assert p.message == problem.message


def test_a_list_document_among_sigma_documents(tmp_path: Path) -> None:
    path = write(tmp_path, "multi.yml", GOOD_SIGMA + "---\n- x\n")
    res = load_sigma([path])
    assert res.rules == ()
    (problem,) = res.problems
    assert problem.message.startswith("not a rule: the YAML document #2 is a list, not a mapping")


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.yml", "")
    (problem,) = load_rules([path]).problems
    assert "holds no YAML document" in problem.message


def test_a_sigma_yaml_error_is_one_line_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "syntax.yml", "title: t\nlogsource: x: y\n")
    (problem,) = load_sigma([path]).problems
    assert problem.line == 2 and "\n" not in problem.message
    assert problem.message.startswith("invalid YAML: ")


def test_cli_rules_lists_the_bad_file_and_loads_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "l.yml", "- x\n")
    write(tmp_path, "native.yml", GOOD_NATIVE)
    main(["detect", "rules", "--no-builtin", "--rules", str(tmp_path)])
    out, err = capsys.readouterr()
    text = out + err
    assert "internal error" not in text
    assert "good-root" in text
    assert "not a rule: the YAML is a list, not a mapping" in text


# ---- 2. a python function that raises -------------------------------------------------

HOOKS = """\
def boom(fields):
    return fields["requestParameters.nonexistent"]["x"]


def exits(fields):
    raise SystemExit(3)
"""

HOOK_RULE = """\
id: {rule_id}
title: Root login
severity: high
python: {ref}
logsource: cloudtrail
detection:
  selection:
    userIdentity.type: Root
  condition: selection
tests:
  - name: root
    expect: alert
    event: {{userIdentity: {{type: Root}}, eventName: GetCallerIdentity}}
  - name: not root
    expect: no_alert
    event: {{userIdentity: {{type: IAMUser}}}}
"""


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "hooks"
    folder.mkdir()
    module = "cw_test_raising_hooks"
    write(folder, f"{module}.py", HOOKS)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop(module, None)


def hook_rules(tmp_path: Path) -> list[Path]:
    return [
        write(
            tmp_path,
            f"{rid}.yml",
            HOOK_RULE.format(rule_id=rid, ref=ref),
        )
        for rid, ref in (
            ("hook-raises", "cw_test_raising_hooks:boom"),
            ("hook-exits", "cw_test_raising_hooks:exits"),
            ("hook-system", "os:system"),
        )
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_raising_python_function_is_contained_per_rule(
    hooks: Path, tmp_path: Path, engine: EngineName
) -> None:
    paths = hook_rules(tmp_path)
    native = write(tmp_path, "native.yml", GOOD_NATIVE)
    res = load_native([*paths, native])
    assert res.problems == ()
    rules = list(res.rules)
    (rule,) = [r for r in rules if r.id == "hook-raises"]
    events = events_of(rule, rule.tests[0]) + events_of(rule, rule.tests[0])
    before = hatch.hatch_counts()
    alerts = Detector(rules, engine).process(events)
    # the plain rule still alerts; the three python rules raised and matched nothing
    assert {a.rule_id for a in alerts} == {"good-root"}
    errors = {e.rule_id: e for e in hatch.hatch_errors(rules, since=before)}
    assert set(errors) == {"hook-raises", "hook-exits", "hook-system"}
    assert errors["hook-raises"].events == 2
    assert errors["hook-raises"].error == "KeyError: 'requestParameters.nonexistent'"
    assert errors["hook-exits"].error == "SystemExit: 3"
    assert errors["hook-system"].error.startswith("TypeError: ")
    assert str(errors["hook-raises"]) == (
        "python function cw_test_raising_hooks:boom raised "
        "KeyError: 'requestParameters.nonexistent' on 2 events "
        "(those events did not match the rule)"
    )


def test_detect_test_fails_the_rule_with_the_error(hooks: Path, tmp_path: Path) -> None:
    path, *_ = hook_rules(tmp_path)
    (rule,) = load_native([path]).rules
    results = run_rule_tests(rule)
    failed = [r for r in results if not r.passed]
    assert {(r.test, r.engine) for r in failed} == {("root", e) for e in ENGINES}
    assert all(
        "raised KeyError: 'requestParameters.nonexistent' on 1 event" in r.message for r in failed
    )
    assert all(r.passed for r in results if r.test == "not root")


def test_cli_detect_test_reports_instead_of_crashing(
    hooks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = hook_rules(tmp_path)
    assert main(["detect", "test", *map(str, paths)]) == 1
    out, err = capsys.readouterr()
    assert "internal error" not in out + err
    assert out.count("FAIL") == 2 * len(paths)
    assert "raised KeyError" in out and "raised SystemExit" in out and "raised TypeError" in out


def test_cli_detect_run_names_the_failing_rule_and_keeps_the_others(
    hooks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, *_ = hook_rules(tmp_path)
    native = write(tmp_path, "native.yml", GOOD_NATIVE)
    (rule,) = load_native([path]).rules
    trail = tmp_path / "trail.jsonl"
    trail.write_text(
        "\n".join(
            json.dumps({"eventID": f"e{i}", "eventTime": "2026-11-01T10:00:00Z", **event})
            for i, event in enumerate([rule.tests[0].events[0]] * 3)
        )
        + "\n"
    )
    argv = ["detect", "run", str(trail), "-q", "--no-builtin", "--rules", str(path)]
    assert main([*argv, "--rules", str(native)]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(line)["rule_id"] for line in out.splitlines()} == {"good-root"}
    assert err.splitlines() == [
        "cloudwarden: rule [hook-raises]: python function cw_test_raising_hooks:boom raised "
        "KeyError: 'requestParameters.nonexistent' on 3 events (those events did not match "
        "the rule)"
    ]


def test_cli_detect_watch_names_the_failing_rule_per_poll(
    hooks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, *_ = hook_rules(tmp_path)
    (rule,) = load_native([path]).rules
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "trail.jsonl").write_text(
        "\n".join(
            json.dumps({"eventID": f"e{i}", "eventTime": "2026-11-01T10:00:00Z", **event})
            for i, event in enumerate([rule.tests[0].events[0]] * 2)
        )
        + "\n"
    )
    argv = ["detect", "watch", str(logs), "-q", "--once", "--settle", "0", "--no-builtin"]
    argv += ["--rules", str(path), "--state", str(tmp_path / "state.json"), "--no-store"]
    assert main(argv) == 0
    assert capsys.readouterr().err.splitlines() == [
        "cloudwarden: warning: poll 1: rule [hook-raises]: python function "
        "cw_test_raising_hooks:boom raised KeyError: 'requestParameters.nonexistent' on 2 "
        "events (those events did not match the rule)"
    ]


# ---- 3. durations beyond a year -------------------------------------------------------


def test_parse_duration_caps_at_366_days() -> None:
    assert parse_duration("366d") == native.MAX_DURATION == 366 * 86400
    for text in ("367d", "99999999999d", "9000h"):
        with pytest.raises(ValueError, match=r"too long \(at most 366d\)"):
            parse_duration(text)


@pytest.mark.parametrize(
    ("line", "key_line", "message"),
    [
        (
            "threshold: count >= 2 within 99999999999d",
            5,
            "threshold 'count >= 2 within 99999999999d': duration '99999999999d' is too long "
            "(at most 366d)",
        ),
        (
            "dedup: {by: [sourceIPAddress], suppress: 99999999999d}",
            5,
            "dedup: duration '99999999999d' is too long (at most 366d)",
        ),
    ],
)
def test_a_huge_duration_is_invalid_at_load_time(
    tmp_path: Path, line: str, key_line: int, message: str
) -> None:
    text = GOOD_NATIVE.replace("logsource: cloudtrail\n", f"logsource: cloudtrail\n{line}\n")
    path = write(tmp_path, "big.yml", text)
    res = load_rules([path])
    assert res.rules == ()
    (problem,) = res.problems
    assert (problem.kind, problem.line, problem.message) == ("invalid", key_line, message)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_longest_duration_runs(tmp_path: Path, engine: EngineName) -> None:
    text = GOOD_NATIVE.replace(
        "logsource: cloudtrail\n",
        "logsource: cloudtrail\nthreshold: count >= 2 within 366d\n"
        "dedup: {by: [sourceIPAddress], suppress: 366d}\n"
        "tests:\n  - name: twice\n    alerts: 1\n"
        "    events: [{userIdentity: {type: Root}}, {userIdentity: {type: Root}},"
        " {userIdentity: {type: Root}}, {userIdentity: {type: Root}}]\n",
    )
    (rule,) = load_native([write(tmp_path, "long.yml", text)]).rules
    assert all(r.passed for r in run_rule_tests(rule, (engine,)))


# ---- 4. Sigma rules for logs cloudwarden does not read --------------------------------


@pytest.mark.parametrize(
    ("logsource", "reason"),
    [
        ("{product: windows, category: process_creation}", "logsource product 'windows'"),
        ("{product: linux}", "logsource product 'linux'"),
        ("{product: aws, service: guardduty}", "logsource service 'guardduty'"),
        ("{service: sysmon}", "logsource service 'sysmon'"),
        ("{category: process_creation}", "logsource category 'process_creation'"),
    ],
)
def test_a_sigma_rule_for_another_log_is_unsupported(
    tmp_path: Path, logsource: str, reason: str
) -> None:
    text = GOOD_SIGMA.replace("{product: aws, service: cloudtrail}", logsource)
    res = load_sigma([write(tmp_path, "other.yml", text)])
    assert res.rules == ()
    (problem,) = res.problems
    assert problem.kind == "unsupported"
    assert problem.rule_id == "0f0e0d0c-0b0a-4909-8807-060504030201"
    assert problem.message.startswith(reason)
    assert "is not a log cloudwarden reads (aws: cloudtrail, vpcflow, s3access)" in problem.message


@pytest.mark.parametrize(
    "logsource",
    [
        "{product: aws, service: cloudtrail}",
        "{product: AWS, service: CloudTrail}",
        "{product: aws}",
        "{service: cloudtrail}",
        "{product: aws, service: vpcflow}",
        "{product: aws, service: s3}",
        "{product: aws, category: anything}",
    ],
)
def test_a_sigma_rule_for_aws_logs_loads(tmp_path: Path, logsource: str) -> None:
    text = GOOD_SIGMA.replace("{product: aws, service: cloudtrail}", logsource)
    res = load_sigma([write(tmp_path, "aws.yml", text)])
    assert res.problems == () and len(res.rules) == 1


def test_sigma_services_are_the_ones_the_matcher_reads() -> None:
    assert set(sigma.SERVICES) == set(_SERVICE_KINDS)


@pytest.mark.skipif(not SIGMA_AWS.is_dir(), reason="no SigmaHQ aws rules shared")
def test_every_sigmahq_aws_rule_still_loads() -> None:
    res = load_sigma([SIGMA_AWS])
    assert res.problems == ()
    assert len(res.rules) == len(list(SIGMA_AWS.rglob("*.yml")))


def test_shapes_pysigma_chokes_on_are_one_problem(tmp_path: Path) -> None:
    """pySigma raises plain TypeError / AttributeError on some shapes: a problem, not a crash."""
    native_bad = GOOD_NATIVE.replace("condition: selection", "condition: [selection, 3]")
    sigma_bad = GOOD_SIGMA.replace("id: 0f0e0d0c-0b0a-4909-8807-060504030201", "id: 12")
    write(tmp_path, "native_bad.yml", native_bad)
    write(tmp_path, "sigma_bad.yml", sigma_bad)
    write(tmp_path, "native.yml", GOOD_NATIVE)
    res = load_rules([tmp_path])
    assert [r.id for r in res.rules] == ["good-root"]
    by_file = {Path(p.path).name: p for p in res.problems}
    assert set(by_file) == {"native_bad.yml", "sigma_bad.yml"}
    assert by_file["native_bad.yml"].message.startswith("detection: TypeError: ")
    assert by_file["sigma_bad.yml"].message.startswith("not a Sigma rule: AttributeError: ")
