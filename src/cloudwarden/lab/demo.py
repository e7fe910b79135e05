"""The demo: bring the lab up in this process, seed it, scan the whole organisation, analyse
its IAM (effective admins, escalation paths, external access), then replay simulated
attacks into its log buckets and run detection over them."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from cloudwarden.assess import Assessment, scan
from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect import rules as rules_pkg
from cloudwarden.detect.rules import builtin_sigma_rules
from cloudwarden.detect.rules.ir import LoadResult, Rule
from cloudwarden.detect.run import Alert, DetectionResult, run_detection
from cloudwarden.iam.review import IamReview, review_iam
from cloudwarden.inventory.collector import ScanScope
from cloudwarden.lab.attacks import (
    Scenario,
    SimulatedLogs,
    log_files,
    simulate,
    source_specs,
    stage_attacks,
    write_to_s3,
)
from cloudwarden.lab.attacks.simulate import DEFAULT_HOURS
from cloudwarden.lab.build import build_lab
from cloudwarden.lab.incidents import (
    IncidentResponse,
    check_containment,
    enact_attacks,
    resolved,
    respond_to_alerts,
)
from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.server import LAB_REGION, lab_environment, running_lab
from cloudwarden.model import Severity
from cloudwarden.store import Store

RESCANNED = ("s3", "cloudtrail", "ec2")
"""The services the enacted attacks change (EC2 holds the security groups)."""
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@contextmanager
def lab_credentials(endpoint: str) -> Iterator[None]:
    """Point this process's boto3 at the lab with dummy keys; restore the environment after.

    A user's own AWS credentials are set aside so that they are never sent anywhere,
    not even to the local emulator.
    """
    saved = {k: os.environ.get(k) for k in (*_CLEARED, *lab_environment(endpoint))}
    for key in _CLEARED:
        os.environ.pop(key, None)
    os.environ.update(lab_environment(endpoint))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def detection_rules() -> LoadResult:
    """The built-in rules: the SigmaHQ rules and, where this build has it, the native pack."""
    combined = getattr(rules_pkg, "builtin_rules", None)
    if callable(combined):
        result = combined()
        if isinstance(result, LoadResult):
            return result
    return builtin_sigma_rules()


@dataclass
class AttackReplay:
    """The simulated incidents written into the lab and what detection made of them."""

    logs: SimulatedLogs
    files: int
    sources: list[str]
    rule_ids: frozenset[str]
    detection: DetectionResult
    seconds: float

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self.logs.scenarios

    @property
    def rules(self) -> int:
        return len(self.rule_ids)

    def raised(self) -> set[str]:
        return {a.rule_id for a in self.detection.alerts}

    def missed(self, scenario: Scenario) -> tuple[str, ...]:
        """The scenario's declared rules that ran and raised nothing."""
        raised = self.raised()
        return tuple(r for r in scenario.rules if r in self.rule_ids and r not in raised)

    def unavailable(self, scenario: Scenario) -> tuple[str, ...]:
        """The scenario's declared rules that this build does not have."""
        return tuple(r for r in scenario.rules if r not in self.rule_ids)

    def by_severity(self) -> dict[Severity, int]:
        counts = Counter(a.severity for a in self.detection.alerts)
        return {s: counts[s] for s in sorted(counts, key=lambda s: -s.rank)}

    def top_rules(self, n: int = 8) -> list[tuple[str, str, Severity, int]]:
        """``(rule id, title, severity, alerts)``, worst severity then most alerts first."""
        counts: Counter[str] = Counter(a.rule_id for a in self.detection.alerts)
        first: dict[str, Alert] = {}
        for a in self.detection.alerts:
            first.setdefault(a.rule_id, a)
        rows = [(rid, first[rid].title, first[rid].severity, n) for rid, n in counts.items()]
        rows.sort(key=lambda r: (-r[2].rank, -r[3], r[0]))
        return rows[:n]


@dataclass
class DemoResult:
    env: LabEnv
    assessment: Assessment
    attacks: AttackReplay | None = field(default=None)
    iam: IamReview | None = field(default=None)
    response: IncidentResponse | None = field(default=None)

    def combined(self) -> Assessment:
        """The scan with the IAM findings added: one run, one store record, one report."""
        if self.iam is None:
            return self.assessment
        findings = [*self.assessment.findings, *self.iam.findings()]
        findings.sort(key=lambda f: (-f.severity.rank, f.source_id, f.account, f.resource_arn))
        return replace(self.assessment, findings=findings)


def replay_attacks(
    env: LabEnv,
    endpoint: str,
    *,
    seed: int = 7,
    hours: int = DEFAULT_HOURS,
    now: datetime | None = None,
    rules: Sequence[Rule] | None = None,
) -> AttackReplay:
    """Simulate the last ``hours`` of the lab (background and every scenario), deliver the
    logs into its buckets and run the rules over the ``s3://`` prefixes, as a user would.

    What the intruders create and the playbooks must find is created in the lab first
    (:func:`~cloudwarden.lab.attacks.stage_attacks`), so the logs carry its real ids."""
    began = time.monotonic()
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    targets = stage_attacks(env)
    logs = simulate(targets, seed=seed, start=end - timedelta(hours=hours), hours=hours)
    files = log_files(logs, targets)
    write_to_s3(env, files)
    specs = source_specs(files)
    loaded = tuple(rules) if rules is not None else detection_rules().rules
    aws = AwsContext(
        session=boto3.Session(), options=AwsOptions(endpoint_url=endpoint, region=LAB_REGION)
    )
    result = run_detection(specs, loaded, engine="stream", aws=aws)
    ids = frozenset(r.id for r in loaded)
    return AttackReplay(logs, len(files), specs, ids, result, time.monotonic() - began)


def run_demo(
    seeding: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 16,
    *,
    attacks: bool = True,
    iam: bool = True,
    respond: bool = True,
    journal: Path | None = None,
    seed: int = 7,
) -> DemoResult:
    """The lab up, scanned, its IAM analysed and (with ``attacks``) its attacks replayed and
    detected; with ``respond`` too, the alerts are routed to playbooks run in ``auto`` mode
    (journaled into the store at ``journal``, a throwaway one when None) and the accounts
    they touched are re-scanned."""
    with running_lab() as lab, lab_credentials(lab.endpoint):
        env = build_lab(lab.endpoint, seeding)
        options = AwsOptions(endpoint_url=lab.endpoint, region=LAB_REGION)
        scope = ScanScope(regions=env.regions, organization=True, workers=workers)
        assessment = scan(options, scope, progress=progress)
        replay = replay_attacks(env, lab.endpoint, seed=seed) if attacks else None
        response = None
        if replay is not None and respond:
            response = respond_and_rescan(env, replay, options, scope, journal)
    review = review_iam(assessment.snapshot) if iam else None
    return DemoResult(env, assessment, replay, review, response)


def respond_and_rescan(
    env: LabEnv,
    replay: AttackReplay,
    options: AwsOptions,
    scope: ScanScope,
    journal: Path | None,
) -> IncidentResponse:
    """Make the enacted scenarios real, re-assess what they touched, run the playbooks of
    the replay's alerts, then re-assess again and diff by finding id.

    Only the changed accounts' S3, CloudTrail and EC2 (the crypto miner's security group
    and instance) are re-assessed, twice (with the attack in place, then after the
    response): a full organisation scan would double the demo's time."""
    acted = enact_attacks(env)
    narrow = replace(scope, accounts=acted, services=RESCANNED)
    began = time.monotonic()
    during = scan(options, narrow)
    alerts = [a.to_dict() for a in replay.detection.alerts]
    with (
        tempfile.TemporaryDirectory(prefix="cloudwarden-demo-") as tmp,
        Store.open(journal or Path(tmp) / "journal.duckdb") as store,
    ):
        response = respond_to_alerts(alerts, env, store)
    response.contained = check_containment(env)
    after = scan(options, narrow)
    response.resolved = resolved(during.findings, after.findings)
    response.rescanned = after.snapshot
    response.rescan = (
        f"Re-assessed S3, CloudTrail and EC2 of the accounts the enacted attacks changed "
        f"({', '.join(acted)}) before and after the response "
        f"({time.monotonic() - began - response.seconds:.1f}s): "
        f"{len(response.resolved)} finding(s) went FAIL to PASS."
    )
    return response
