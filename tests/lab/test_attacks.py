"""The attack simulator: every scenario raises the rules it declares, the background raises
nothing severe, both engines agree, and the logs are AWS's shapes and the same for a seed.

Detection runs as a user would run it: the logs are delivered into a lab's S3 buckets (each
scenario alone under its own trail prefix, the background under another) and the rules read
the ``s3://`` prefixes through the AWS layer. This module starts a lab of its own with only
the seeders the simulator reads (identity and network), so that each part can be delivered
under its own prefix; the shared ``demo`` build checks the replay that ``cloudwarden demo``
runs.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from markupsafe import escape

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.cli.demo import _print_alerts, store_and_render
from cloudwarden.detect.rules.ir import Rule
from cloudwarden.detect.run import Alert, DetectionResult, run_detection
from cloudwarden.detect.sources.vpcflow import DEFAULT_FIELDS, parse_line
from cloudwarden.lab.attacks import (
    SCENARIOS,
    LabTargets,
    Scenario,
    example_targets,
    log_files,
    simulate,
    source_specs,
    stage_attacks,
    write_to_folder,
    write_to_s3,
)
from cloudwarden.lab.attacks.enact import GPU_TYPE
from cloudwarden.lab.attacks.report import alerts_section
from cloudwarden.lab.demo import DemoResult, detection_rules, lab_credentials
from cloudwarden.lab.incidents import world_open_rules
from cloudwarden.lab.org import LabEnv, create_organization
from cloudwarden.lab.seed import identity, network
from cloudwarden.lab.server import LAB_REGION, running_lab
from cloudwarden.model import Severity
from cloudwarden.store import Store

pytestmark = pytest.mark.lab

SEED = 7
SEVERE = (Severity.HIGH, Severity.CRITICAL)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CT_KEY = re.compile(
    r"^(?:[\w-]+/)*AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
    r"\1_CloudTrail_\2_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$"
)
FLOW_KEY = re.compile(
    r"^(?:[\w-]+/)*AWSLogs/(\d{12})/vpcflowlogs/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
    r"\1_vpcflowlogs_\2_fl-[0-9a-f]+_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$"
)
RECORD_KEYS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
}


@dataclass
class LabLogs:
    env: LabEnv
    targets: LabTargets
    aws: AwsContext
    rules: tuple[Rule, ...]
    specs: dict[str, list[str]]  # part ("background", a scenario name, "all") -> s3:// sources
    results: dict[str, tuple[DetectionResult, DetectionResult]] = field(default_factory=dict)


def _deliver(env: LabEnv, targets: LabTargets, part: str, **kw: Any) -> list[str]:
    logs = simulate(targets, seed=SEED, **kw)
    files = log_files(logs, targets, prefix=f"{part}/")
    write_to_s3(env, files)
    return source_specs(files, prefix=f"{part}/")


@pytest.fixture(scope="module")
def lab_logs(demo: DemoResult) -> Iterator[LabLogs]:
    """A lab with the identity and network seeds; each scenario, the background, and all of
    it together delivered under their own prefixes.

    moto's state is per process and every lab start resets it: the shared ``demo`` build is
    requested first so that it can never start (and wipe this lab) while this lab is in use.
    """
    del demo
    with running_lab() as lab, lab_credentials(lab.endpoint):
        env = create_organization(lab.endpoint)
        identity.seed(env)
        network.seed(env)
        targets = stage_attacks(env)
        specs: dict[str, list[str]] = {}
        for s in SCENARIOS:
            specs[s.name] = _deliver(env, targets, s.name, scenarios=(s,), background=False)
        specs["background"] = _deliver(env, targets, "background", scenarios=())
        specs["all"] = _deliver(env, targets, "all")
        options = AwsOptions(endpoint_url=lab.endpoint, region=LAB_REGION)
        aws = AwsContext(session=boto3.Session(), options=options)
        loaded = detection_rules()
        assert not loaded.problems, loaded.problems
        yield LabLogs(env, targets, aws, tuple(loaded.rules), specs)


def _detect(lab: LabLogs, part: str) -> tuple[DetectionResult, DetectionResult]:
    """Both engines over one part's sources; they must agree alert for alert."""
    if part in lab.results:
        return lab.results[part]
    stream = run_detection(lab.specs[part], lab.rules, engine="stream", aws=lab.aws)
    batch = run_detection(lab.specs[part], lab.rules, engine="batch", aws=lab.aws)
    assert stream.stats.unparseable == 0, stream.stats.problems[:5]
    assert [a.to_dict() for a in stream.alerts] == [a.to_dict() for a in batch.alerts]
    lab.results[part] = (stream, batch)
    return stream, batch


def _listing(alerts: list[Alert]) -> str:
    counts: dict[tuple[str, str, str], int] = {}
    for a in alerts:
        key = (a.severity.value, a.rule_id, a.title)
        counts[key] = counts.get(key, 0) + 1
    return "\n".join(
        f"  {n:>4} {sev:<8} {rid} {title}" for (sev, rid, title), n in sorted(counts.items())
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_raises_each_rule_it_declares(lab_logs: LabLogs, scenario: Scenario) -> None:
    loaded = {r.id for r in lab_logs.rules}
    stream, _ = _detect(lab_logs, scenario.name)
    raised = {a.rule_id for a in stream.alerts}
    missing = [r for r in scenario.rules if r in loaded and r not in raised]
    assert not missing, (
        f"{scenario.name} raised no {missing}; it raised:\n{_listing(stream.alerts)}"
    )
    absent = [r for r in scenario.rules if r not in loaded]
    if absent:
        pytest.skip(f"not in the built-in pack yet: {', '.join(absent)}")


def test_background_raises_no_high_or_critical_alert(lab_logs: LabLogs) -> None:
    stream, _ = _detect(lab_logs, "background")
    assert stream.stats.total_events > 2000
    severe = [a for a in stream.alerts if a.severity in SEVERE]
    print(f"alerts on the background alone:\n{_listing(stream.alerts)}")  # shown by -rP
    assert not severe, (
        f"the benign background raised high/critical alerts:\n{_listing(severe)}\n"
        f"all its alerts:\n{_listing(stream.alerts)}"
    )


def test_everything_together_engines_agree_and_every_scenario_is_caught(
    lab_logs: LabLogs,
) -> None:
    stream, _ = _detect(lab_logs, "all")
    raised = {a.rule_id for a in stream.alerts}
    loaded = {r.id for r in lab_logs.rules}
    for s in SCENARIOS:
        assert {r for r in s.rules if r in loaded} <= raised, s.name


def test_folder_delivery_reads_like_s3(lab_logs: LabLogs, tmp_path: Path) -> None:
    """Offline (a local folder) the same rules raise the same alerts on the same events."""
    logs = simulate(lab_logs.targets, seed=SEED)
    write_to_folder(tmp_path, log_files(logs, lab_logs.targets))
    local = run_detection([str(tmp_path)], lab_logs.rules, engine="stream")
    remote, _ = _detect(lab_logs, "all")

    def summary(alerts: list[Alert]) -> list[tuple[str, str, str]]:
        return [(a.rule_id, a.event_time.isoformat(), a.account) for a in alerts]

    assert summary(local.alerts) == summary(remote.alerts)


def test_same_seed_same_bytes_other_seed_other_logs() -> None:
    targets = example_targets()
    first = log_files(simulate(targets, seed=SEED), targets)
    again = log_files(simulate(targets, seed=SEED), targets)
    other = log_files(simulate(targets, seed=SEED + 1), targets)
    assert [(f.bucket, f.key, f.body) for f in first] == [(f.bucket, f.key, f.body) for f in again]
    assert [f.body for f in first] != [f.body for f in other]


def test_a_scenario_alone_is_the_same_as_within_the_whole() -> None:
    targets = example_targets()
    whole = simulate(targets, seed=SEED)
    for s in SCENARIOS:
        alone = simulate(targets, seed=SEED, scenarios=(s,), background=False)
        assert alone.cloudtrail == [
            r for r in whole.cloudtrail if whole.origin[r["eventID"]] == s.name
        ]


def _records(files: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for f in files:
        if f.key.endswith(".json.gz"):
            for rec in orjson.loads(gzip.decompress(f.body))["Records"]:
                yield f.key, rec


def test_cloudtrail_files_and_records_have_aws_shapes() -> None:
    targets = example_targets()
    files = log_files(simulate(targets, seed=SEED), targets)
    trail = [f for f in files if f.key.endswith(".json.gz")]
    assert trail and all(CT_KEY.match(f.key) for f in trail), [f.key for f in trail][:3]
    for key, rec in _records(files):
        assert rec.keys() >= RECORD_KEYS, (key, RECORD_KEYS - rec.keys())
        assert UUID.match(rec["eventID"])
        assert rec["eventTime"].endswith("Z")
        assert f"/{rec['recipientAccountId']}_CloudTrail_{rec['awsRegion']}_" in key
        ident = rec["userIdentity"]
        if ident["type"] == "AWSService":
            assert ident["invokedBy"].endswith(".amazonaws.com")
        else:
            assert ident["arn"].startswith("arn:aws:") and ident["accountId"].isdigit()
        if ident["type"] == "AssumedRole":
            issuer = ident["sessionContext"]["sessionIssuer"]
            assert ident["principalId"].startswith(issuer["principalId"] + ":")
        if "errorCode" in rec:
            assert rec["responseElements"] is None


def test_flow_log_files_have_the_header_and_default_format() -> None:
    targets = example_targets()
    files = [
        f for f in log_files(simulate(targets, seed=SEED), targets) if f.key.endswith(".log.gz")
    ]
    assert files and all(FLOW_KEY.match(f.key) for f in files), [f.key for f in files][:3]
    for f in files:
        header, *lines = gzip.decompress(f.body).decode().splitlines()
        assert tuple(header.split()) == DEFAULT_FIELDS
        for line in lines:
            fields = parse_line(line, DEFAULT_FIELDS)
            assert isinstance(fields, dict), (line, fields)
            assert fields["version"] == 2 and fields["action"] in ("ACCEPT", "REJECT")


def test_scenarios_name_the_lab(lab_logs: LabLogs) -> None:
    """Records carry the running lab's identifiers, not made-up ones."""
    targets = lab_logs.targets
    logs = simulate(targets, seed=SEED, background=False)
    seen = orjson.dumps(logs.cloudtrail).decode()
    imdsv1 = targets.instances["cw-lab-imdsv1"].id
    assert imdsv1 in seen
    assert targets.user_ids["cw-lab-admin-user"] in seen
    assert targets.role_ids["cw-lab-app-role"] in seen
    assert all(acct in seen for acct in targets.accounts.values())


def _signing_keys(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    """IAM user -> the long-term (AKIA) keys its records were signed with."""
    keys: dict[str, set[str]] = {}
    for rec in records:
        ident = rec["userIdentity"]
        if ident["type"] == "IAMUser" and ident.get("accessKeyId", "").startswith("AKIA"):
            keys.setdefault(ident["userName"], set()).add(ident["accessKeyId"])
    return keys


def test_scenarios_sign_with_keys_that_exist_in_the_lab(lab_logs: LabLogs) -> None:
    """The leaked and the escalating user's records carry their seeded key, which the lab
    lists as theirs and active: a playbook that deactivates it finds it."""
    logs = simulate(lab_logs.targets, seed=SEED, background=False)
    signed = _signing_keys(logs.cloudtrail)
    assert signed.keys() == {"cw-lab-admin-user", "cw-lab-direct-policy"}
    iam = lab_logs.env.client("dev", "iam")
    for user, keys in signed.items():
        listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        active = {k["AccessKeyId"] for k in listed if k["Status"] == "Active"}
        assert keys == {lab_logs.targets.access_keys[user]}
        assert keys <= active, (user, keys, active)


def test_offline_scenarios_sign_only_with_the_targets_keys() -> None:
    targets = example_targets()
    logs = simulate(targets, seed=SEED)
    signed = set().union(*_signing_keys(logs.cloudtrail).values())
    assert signed == set(targets.access_keys.values())


def test_crypto_mining_names_the_group_and_instance_it_made_in_the_lab(lab_logs: LabLogs) -> None:
    """The group the intruder opens and the GPU instance it launches are the lab's: the
    group lets the world in as the records say, and the miner's flows come from the
    instance's own interface and address."""
    targets = lab_logs.targets
    scenario = next(s for s in SCENARIOS if s.name == "crypto-mining")
    logs = simulate(targets, seed=SEED, scenarios=(scenario,), background=False)
    calls = {r["eventName"]: r for r in logs.cloudtrail}
    group = calls["CreateSecurityGroup"]["responseElements"]["groupId"]
    assert group == targets.miner.group
    assert calls["AuthorizeSecurityGroupIngress"]["requestParameters"]["groupId"] == group
    opened = world_open_rules(lab_logs.env, group)
    assert {(r["FromPort"], r["ToPort"]) for r in opened} == {(22, 22), (0, 65535)}
    launched = calls["RunInstances"]["responseElements"]["instancesSet"]["items"][0]
    ec2 = lab_logs.env.client("prod", "ec2")
    found = ec2.describe_instances(InstanceIds=[launched["instanceId"]])
    instance = found["Reservations"][0]["Instances"][0]
    assert instance["InstanceType"] == GPU_TYPE
    interface = instance["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in interface["Groups"]] == [group]
    assert interface["SubnetId"] == targets.subnets["cw-lab-public-a"]
    eni = interface["NetworkInterfaceId"]
    assert launched["networkInterfaceSet"]["items"][0]["networkInterfaceId"] == eni
    assert logs.flows and {f.line.split()[2] for f in logs.flows} == {eni}
    addresses = {f.line.split()[3] for f in logs.flows} | {f.line.split()[4] for f in logs.flows}
    assert instance["PrivateIpAddress"] in addresses


def test_staging_twice_creates_nothing_more(lab_logs: LabLogs) -> None:
    assert stage_attacks(lab_logs.env) == lab_logs.targets


def test_demo_replays_attacks_and_reports_alerts(demo: DemoResult) -> None:
    replay = demo.attacks
    assert replay is not None
    assert replay.detection.alerts and replay.detection.stats.unparseable == 0
    for s in replay.scenarios:
        assert not replay.missed(s), s.name
    section = alerts_section(
        replay.detection.alerts, replay.scenarios, rule_ids=replay.rule_ids, sources=replay.sources
    )
    assert section.title == "Alerts"
    assert all(str(escape(s.title)) in section.html for s in replay.scenarios)


def test_demo_command_stores_alerts_and_reports_them(
    demo: DemoResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.attacks is not None
    db, report = tmp_path / "cw.duckdb", tmp_path / "report.html"
    store_and_render(demo, db, report)
    page = report.read_text()
    assert 'id="alerts"' in page and "Scenarios" in page
    with Store.open(db, read_only=True) as store:
        stored = store.alerts() if hasattr(store, "alerts") else store.findings()
    assert len(stored) > 0
    _print_alerts(demo.attacks)
    out = capsys.readouterr().out
    assert f"scenarios caught by every rule they declare: {len(SCENARIOS)}/{len(SCENARIOS)}" in out
