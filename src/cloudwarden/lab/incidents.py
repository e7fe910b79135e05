"""Incident response in the demo: the lab's alerts routed to playbooks and run unattended.

The lab's routes run in ``auto`` mode (``respond/routes.yml``), scoped to the lab's own
accounts and regions. Each playbook acts in the account of its alert, through that member
account's organisation role, as a responder would in a real organisation. Refusals and
failures are kept as the runner journaled them, never dropped.

Each incident ends in one of four outcomes: contained (the run is done), needs input (the
alert never names what the playbook acts on — which input is said), not applicable (what
it names does not exist in the lab) or failed. Only the last is a failure of containment.

Alerts that send the same playbook after the same subject (the same user's key, bucket or
trail: the playbook's inputs, as the alert alone gives them) are one incident, as a
responder's case would be: the playbook runs once, for the first of them, and the others
are recorded as handled by that run. Running it again would only find its own work done,
or, once it has deleted a compromised key, the key gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from jinja2 import Environment

from cloudwarden.aws.errors import AwsError
from cloudwarden.aws.session import AwsContext, AwsOptions, member_context
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.lab.attacks.targets import MINER_GROUP_REF, MINER_INSTANCE_REF
from cloudwarden.lab.org import LabEnv
from cloudwarden.model import Finding, Status
from cloudwarden.report import HtmlSection
from cloudwarden.respond.catalog import builtin_playbooks
from cloudwarden.respond.config import Mode, RespondConfig, Scope
from cloudwarden.respond.inputs import input_templates
from cloudwarden.respond.journal import JournalEntry
from cloudwarden.respond.playbook import Playbook
from cloudwarden.respond.record import post_incident_record
from cloudwarden.respond.routing import Router
from cloudwarden.respond.runner import Runner, RunnerError
from cloudwarden.respond.template import render
from cloudwarden.respond.trigger import Trigger, alert_trigger
from cloudwarden.store import Store

__all__ = [
    "ENACTED",
    "Incident",
    "IncidentResponse",
    "check_containment",
    "enact_attacks",
    "incidents_section",
    "resolved",
    "respond_to_alerts",
    "subject",
    "world_open_rules",
]

ENACTED = ("public-bucket", "logging-stopped", "crypto-mining")
"""The scenarios whose effect the demo also makes real in the lab, so their playbooks have
something to contain and the re-scan something to show. The keys the other scenarios sign
with are the lab's own (seeded); what those intruders then do exists only in the logs."""

_ORDER = (Mode.DRY_RUN, Mode.APPROVE, Mode.AUTO)


@dataclass(frozen=True)
class Incident:
    """One routed alert and what its playbook did (``status`` as the runner reported it)."""

    alert: Mapping[str, Any]
    playbook: str
    route: str
    mode: str
    status: str
    message: str
    entries: tuple[JournalEntry, ...] = ()
    left_for_human: tuple[str, ...] = ()
    run_id: str = ""
    handled_with: str = ""
    """The rule id of the earlier alert whose run handled this one too (same subject)."""

    @property
    def missing(self) -> tuple[str, ...]:
        """The inputs a ``needs-input`` run lacked, as its journal says."""
        for entry in self.entries:
            if entry.kind == "needs-input":
                return tuple(str(m) for m in entry.data.get("missing") or ())
        return ()

    @property
    def outcome(self) -> str:
        """contained / needs input (which) / not applicable / failed, for a reader."""
        if self.status == "done":
            return "contained"
        if self.status == "needs-input":
            return f"needs input ({', '.join(self.missing)})"
        return self.status.replace("-", " ")


@dataclass
class IncidentResponse:
    """Every routed incident of the demo and, after the re-scan, the findings it resolved."""

    incidents: list[Incident] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    rescan: str = ""
    seconds: float = 0.0
    contained: dict[str, bool] = field(default_factory=dict)
    rescanned: Snapshot | None = None
    """What the re-scan after the response collected (the changed accounts' services)."""

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for incident in self.incidents:
            counts[incident.status] = counts.get(incident.status, 0) + 1
        return counts


def _contexts(env: LabEnv, management: AwsContext) -> Callable[[str], Callable[[str], AwsContext]]:
    """``for_account(account)(region)``: the management context or a member's, per region."""
    cache: dict[tuple[str, str], AwsContext] = {}

    def for_account(account: str) -> Callable[[str], AwsContext]:
        def aws_for(region: str) -> AwsContext:
            key = (account, region)
            if key not in cache:
                options = AwsOptions(endpoint_url=management.options.endpoint_url, region=region)
                base = AwsContext(session=boto3.Session(region_name=region), options=options)
                base.account_id = env.accounts["management"]
                members = set(env.accounts.values()) - {base.account_id}
                cache[key] = member_context(base, account) if account in members else base
            return cache[key]

        return aws_for

    return for_account


def enact_attacks(env: LabEnv) -> tuple[str, ...]:
    """Do to the lab what the public-bucket and logging-stopped scenarios' logs record: the
    hardened data bucket loses its public access block, the management trail stops.
    Returns the accounts changed, prod too when the crypto-mining scenario's group and
    instance were staged before the replay (``lab.attacks.stage_attacks``)."""
    dev, management = env.accounts["dev"], env.accounts["management"]
    env.client("dev", "s3").delete_public_access_block(Bucket=f"cw-lab-data-hardened-{dev}")
    env.client("management", "cloudtrail").stop_logging(Name="cw-lab-mgmt-trail")
    staged = (env.accounts["prod"],) if MINER_INSTANCE_REF in env.refs else ()
    return (dev, management, *staged)


def world_open_rules(env: LabEnv, group_id: str) -> list[dict[str, Any]]:
    """The ingress rules of a prod security group that let 0.0.0.0/0 or ::/0 in."""
    ec2 = env.client("prod", "ec2")
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return [
        rule
        for rule in group["IpPermissions"]
        if any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", []))
        or any(r.get("CidrIpv6") == "::/0" for r in rule.get("Ipv6Ranges", []))
    ]


def _block_on(env: LabEnv) -> bool:
    bucket = f"cw-lab-data-hardened-{env.accounts['dev']}"
    s3 = env.client("dev", "s3")
    try:
        block = s3.get_public_access_block(Bucket=bucket)
    except s3.exceptions.ClientError as exc:  # no block at all: still open
        if exc.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
            return False
        raise
    return all(block["PublicAccessBlockConfiguration"].values())


def _miner_contained(env: LabEnv) -> bool:
    """The miner's group lets the world in no more, and the miner is stopped."""
    group = env.refs[MINER_GROUP_REF].rsplit("/", 1)[-1]
    instance = env.refs[MINER_INSTANCE_REF].rsplit("/", 1)[-1]
    found = env.client("prod", "ec2").describe_instances(InstanceIds=[instance])
    state = found["Reservations"][0]["Instances"][0]["State"]["Name"]
    return not world_open_rules(env, group) and state in ("stopping", "stopped")


def check_containment(env: LabEnv) -> dict[str, bool]:
    """Whether each enacted attack is undone, asked of the lab itself (not the journal)."""
    trail = env.client("management", "cloudtrail").get_trail_status(Name="cw-lab-mgmt-trail")
    contained = {"public-bucket": _block_on(env), "logging-stopped": bool(trail["IsLogging"])}
    if MINER_INSTANCE_REF in env.refs:
        contained["crypto-mining"] = _miner_contained(env)
    return contained


def _no_wait(_seconds: float) -> None:
    return None


def subject(book: Playbook, trigger: Trigger) -> tuple[str, ...] | None:
    """What ``book`` would act on for ``trigger``: its inputs as the alert alone gives them
    (``None`` when one needs the playbook's own lookup, e.g. a flow's interface)."""
    context: dict[str, Any] = {**trigger.context(), "steps": {}, "inputs": {}}
    for key, template in input_templates(book.document.get("inputs") or {}).items():
        value = render(template, context, strict=False)
        if value in (None, "", []):
            return None
        context["inputs"][key] = value
    return tuple(f"{k}={v}" for k, v in sorted(context["inputs"].items()))


def respond_to_alerts(
    alerts: Sequence[Mapping[str, Any]],
    env: LabEnv,
    store: Store,
    *,
    router: Router | None = None,
) -> IncidentResponse:
    """Route each alert (``Alert.to_dict`` form) and run the chosen playbook in the lab, once
    per incident (see the module's docstring).

    The lab is new for every demo while the store may be kept: its events have ids of their
    own (the simulator salts them with the lab's accounts), so a run journaled by an earlier
    demo never stands for one of this lab's incidents."""
    began = time.monotonic()
    chosen_router = router or Router.default()
    known = builtin_playbooks()
    config = RespondConfig(
        mode=Mode.AUTO,
        scope=Scope(accounts=frozenset(env.accounts.values()), regions=frozenset(env.regions)),
    )
    management = AwsContext(session=boto3.Session(), options=AwsOptions(endpoint_url=env.endpoint))
    for_account = _contexts(env, management)
    out = IncidentResponse()
    seen: set[tuple[str, ...]] = set()
    handled: dict[tuple[str, ...], Incident] = {}
    for alert in alerts:
        trigger = alert_trigger(alert, "lab")
        decision = chosen_router.route(trigger.incident)
        # one incident per rule, account and playbook: the lab's repeated flows are one attack
        key = (decision.playbook if decision else "", str(alert.get("rule_id")), trigger.account)
        if decision is None or key in seen:
            continue
        seen.add(key)
        book = known.get(decision.playbook.replace("_", "-"))
        mode = min(Mode(decision.mode.value), config.mode, key=_ORDER.index)
        if book is None:
            out.incidents.append(
                Incident(
                    alert,
                    decision.playbook,
                    decision.route,
                    mode.value,
                    "failed",
                    f"no playbook {decision.playbook!r}",
                )
            )
            continue
        about = subject(book, trigger)
        case = (book.id, trigger.account, *about) if about is not None else None
        if case is not None and case in handled:
            out.incidents.append(_joined(alert, handled[case], decision.route))
            continue
        incident = _run(
            book,
            trigger,
            mode,
            decision.route,
            Runner(store, for_account(trigger.account), config, sleep=_no_wait),
        )
        out.incidents.append(incident)
        if case is not None:
            handled[case] = incident
    out.seconds = time.monotonic() - began
    return out


def _run(book: Playbook, trigger: Trigger, mode: Mode, route: str, runner: Runner) -> Incident:
    """One run of ``book`` (the lab answers at once: no back-off between retries)."""
    alert = trigger.alert or {}
    try:
        outcome = runner.start(book, trigger, mode)
    except (RunnerError, AwsError) as exc:
        return Incident(alert, book.id, route, mode.value, "failed", str(exc))
    entries = outcome.entries or tuple(runner.journal.entries(outcome.run_id))
    info = runner.journal.run(outcome.run_id)
    left = post_incident_record(info, entries)["left_for_human"] if info else []
    return Incident(
        alert,
        book.id,
        route,
        mode.value,
        outcome.status,
        outcome.message,
        entries,
        tuple(left),
        run_id=outcome.run_id,
    )


def _joined(alert: Mapping[str, Any], first: Incident, route: str) -> Incident:
    """An alert about the subject of an incident already handled: recorded with its run."""
    rule = str(first.alert.get("rule_id", ""))
    return Incident(
        alert,
        first.playbook,
        route,
        first.mode,
        first.status,
        f"the same incident as {rule} (same {first.playbook} subject), handled by run "
        f"{first.run_id}: {first.message}",
        run_id=first.run_id,
        handled_with=rule,
    )


def resolved(before: Sequence[Finding], after: Sequence[Finding]) -> list[Finding]:
    """Findings that failed before and pass after (matched by their stable id)."""
    failed = {f.id for f in before if f.status is Status.FAIL}
    return [f for f in after if f.id in failed and f.status is Status.PASS]


_TEMPLATE = """\
<p>Enacted in the lab (not only logged): {{ contained|join(", ") }};
contained afterwards, as the lab answers: {% for k, v in contained.items() %}{{ k }} {{ "yes" if v else "NO" }}{% if not loop.last %}, {% endif %}{% endfor %}.</p>
<p>{{ incidents|length }} incident(s) routed to playbooks in {{ seconds }}s (lab routes, auto
mode, scope: the lab's accounts). {{ rescan }}</p>
<table><thead><tr><th>alert</th><th>account</th><th>playbook</th><th>outcome</th></tr></thead>
<tbody>
{% for i in incidents %}<tr><td><code>{{ i.alert.get("rule_id", "") }}</code></td>
<td>{{ i.alert.get("account", "") }}</td><td>{{ i.playbook }}</td><td>{{ i.outcome }}</td></tr>
{% endfor %}</tbody></table>
{% for i in incidents %}
<h3>{{ i.alert.get("title", "") }} &rarr; {{ i.playbook }}: {{ i.outcome }}</h3>
<p>Alert <code>{{ i.alert.get("rule_id", "") }}</code> ({{ i.alert.get("severity", "") }}) in
{{ i.alert.get("account", "") }} {{ i.alert.get("region", "") }}; route {{ i.route }},
mode {{ i.mode }}. {{ i.message }}</p>
{% if i.entries %}<table><thead><tr><th>time</th><th>phase</th><th>step</th><th>result</th><th>message</th>
</tr></thead><tbody>
{% for e in i.entries %}<tr><td>{{ e.at.strftime("%H:%M:%S") }}</td><td>{{ e.phase }}</td>
<td>{{ e.step }}</td><td>{{ e.kind }}</td><td>{{ e.message }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if i.left_for_human %}<p>Left for a human:</p><ul>
{% for item in i.left_for_human %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
{% endfor %}
{% if resolved %}<h3>Resolved in the re-scan (FAIL &rarr; PASS)</h3><ul>
{% for f in resolved %}<li><code>{{ f.source_id }}</code> {{ f.resource_arn }}</li>{% endfor %}
</ul>{% endif %}
"""
_ENV = Environment(autoescape=True, keep_trailing_newline=True)


def incidents_section(response: IncidentResponse) -> HtmlSection:
    """Each incident's timeline: the alert, the playbook, every journaled step."""
    html = _ENV.from_string(_TEMPLATE).render(
        incidents=response.incidents,
        seconds=f"{response.seconds:.1f}",
        rescan=response.rescan,
        resolved=response.resolved,
        contained=response.contained,
    )
    return HtmlSection(title="Incidents", html=html, id="incidents")
