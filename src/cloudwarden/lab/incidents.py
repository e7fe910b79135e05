"""Incident response in the demo: the lab's alerts routed to playbooks and run unattended.

The lab's routes run in ``auto`` mode (``respond/routes.yml``), scoped to the lab's own
accounts and regions. Each playbook acts in the account of its alert, through that member
account's organisation role, as a responder would in a real organisation. Refusals and
failures are kept as the runner journaled them, never dropped.

Each incident ends in one of four outcomes: contained (the run is done), needs input (the
alert never names what the playbook acts on — which input is said), not applicable (what
it names does not exist in the lab: most scenarios exist only in the logs) or failed.
Only the last is a failure of containment.
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
from cloudwarden.lab.org import LabEnv
from cloudwarden.model import Finding, Status
from cloudwarden.report import HtmlSection
from cloudwarden.respond.catalog import builtin_playbooks
from cloudwarden.respond.config import Mode, RespondConfig, Scope
from cloudwarden.respond.journal import JournalEntry
from cloudwarden.respond.record import post_incident_record
from cloudwarden.respond.routing import Router
from cloudwarden.respond.runner import Runner, RunnerError
from cloudwarden.respond.trigger import alert_trigger
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
]

ENACTED = ("public-bucket", "logging-stopped")
"""The scenarios whose effect the demo also makes real in the lab, so their playbooks have
something to contain; the other scenarios exist only in the logs."""

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
    Returns the accounts changed."""
    dev, management = env.accounts["dev"], env.accounts["management"]
    env.client("dev", "s3").delete_public_access_block(Bucket=f"cw-lab-data-hardened-{dev}")
    env.client("management", "cloudtrail").stop_logging(Name="cw-lab-mgmt-trail")
    return (dev, management)


def check_containment(env: LabEnv) -> dict[str, bool]:
    """Whether each enacted attack is undone, asked of the lab itself (not the journal)."""
    bucket = f"cw-lab-data-hardened-{env.accounts['dev']}"
    block = env.client("dev", "s3").get_public_access_block(Bucket=bucket)
    trail = env.client("management", "cloudtrail").get_trail_status(Name="cw-lab-mgmt-trail")
    return {
        "public-bucket": all(block["PublicAccessBlockConfiguration"].values()),
        "logging-stopped": bool(trail["IsLogging"]),
    }


def _no_wait(_seconds: float) -> None:
    return None


def respond_to_alerts(
    alerts: Sequence[Mapping[str, Any]],
    env: LabEnv,
    store: Store,
    *,
    router: Router | None = None,
) -> IncidentResponse:
    """Route each alert (``Alert.to_dict`` form) and run the chosen playbook in the lab."""
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
        # the lab answers at once: retrying with back-off only slows the demo down
        runner = Runner(store, for_account(trigger.account), config, sleep=_no_wait)
        try:
            outcome = runner.start(book, trigger, mode)
        except (RunnerError, AwsError) as exc:
            out.incidents.append(
                Incident(alert, book.id, decision.route, mode.value, "failed", str(exc))
            )
            continue
        entries = outcome.entries or tuple(runner.journal.entries(outcome.run_id))
        info = runner.journal.run(outcome.run_id)
        left = post_incident_record(info, entries)["left_for_human"] if info else []
        out.incidents.append(
            Incident(
                alert,
                book.id,
                decision.route,
                mode.value,
                outcome.status,
                outcome.message,
                entries,
                tuple(left),
            )
        )
    out.seconds = time.monotonic() - began
    return out


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
<table><thead><tr><th>time</th><th>phase</th><th>step</th><th>result</th><th>message</th>
</tr></thead><tbody>
{% for e in i.entries %}<tr><td>{{ e.at.strftime("%H:%M:%S") }}</td><td>{{ e.phase }}</td>
<td>{{ e.step }}</td><td>{{ e.kind }}</td><td>{{ e.message }}</td></tr>
{% endfor %}</tbody></table>
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
