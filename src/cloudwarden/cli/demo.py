"""``cloudwarden demo``: the lab up, its organisation scanned and its IAM analysed, attacks
replayed into its logs and detected, the alerts routed to playbooks, the run, the alerts and
the playbook journals stored, the report written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from cloudwarden.cli.common import interactive, progress_bar, stderr, stdout
from cloudwarden.cli.output import OutputOptions, deliver
from cloudwarden.report import HtmlSection, print_summary
from cloudwarden.report.terminal import SEVERITY_STYLES
from cloudwarden.store import Store, default_path

if TYPE_CHECKING:  # the lab, detection, IAM analysis and respond load when the demo runs,
    # not on every cloudwarden command
    from cloudwarden.iam.review import IamReview
    from cloudwarden.lab.demo import AttackReplay, DemoResult
    from cloudwarden.lab.incidents import IncidentResponse


def demo(
    output_dir: Annotated[Path, typer.Option(help="Where the report and snapshot go.")] = Path(
        "cloudwarden-demo"
    ),
    db: Annotated[Path | None, typer.Option(help="DuckDB store (default: user data dir).")] = None,
    attacks: Annotated[
        bool, typer.Option(help="Replay simulated attacks into the lab's logs and detect them.")
    ] = True,
    respond: Annotated[
        bool,
        typer.Option(
            help="Route the alerts to playbooks (auto mode in the lab), then re-assess what "
            "they changed."
        ),
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the simulated logs.")] = 7,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Bring up the embedded lab, scan its vulnerable-by-design organisation, analyse its IAM,
    replay attacks into its CloudTrail and flow logs, detect them, respond with the
    playbooks, write the report."""

    from cloudwarden.lab.demo import run_demo

    def seeding(name: str) -> None:
        if interactive(quiet):
            stderr.print(f"seeding lab: {name}")

    if not quiet:
        stdout.print("starting the lab (moto on 127.0.0.1) and seeding its organisation ...")
    with progress_bar("scanning the lab organisation", quiet) as progress:
        result = run_demo(
            seeding,
            progress,
            attacks=attacks,
            respond=respond,
            journal=db or default_path(),
            seed=seed,
        )
    snapshot = result.assessment.snapshot.save(output_dir / "lab-snapshot.json.gz")
    report = output_dir / "report.html"
    code = store_and_render(result, db, report)
    if not quiet:
        print_summary(result.combined().findings, stdout)
        if result.iam is not None:
            _print_iam(result.iam)
        if result.attacks is not None:
            _print_alerts(result.attacks)
        if result.response is not None:
            _print_response(result.response)
        accounts = ", ".join(f"{k} {v}" for k, v in result.env.accounts.items())
        stdout.print(f"lab organisation: {accounts}")
        stdout.print(
            f"snapshot saved to {snapshot} (re-assess offline: cloudwarden scan --snapshot {snapshot})"
        )
        stdout.print(f"open the report: [bold]{report.resolve()}[/bold]")
    raise typer.Exit(code)


def _sections(result: DemoResult) -> tuple[HtmlSection, ...]:
    from cloudwarden.lab.attacks.report import alerts_section
    from cloudwarden.lab.incidents import incidents_section

    sections: list[HtmlSection] = list(result.iam.sections()) if result.iam is not None else []
    replay = result.attacks
    if replay is None:
        return tuple(sections)
    names = {acct: role for role, acct in result.env.accounts.items()}
    section = alerts_section(
        replay.detection.alerts,
        replay.scenarios,
        rule_ids=replay.rule_ids,
        sources=replay.sources,
        account_names={role: f"{role} ({acct})" for acct, role in names.items()},
    )
    sections.append(section)
    if result.response is not None:
        sections.append(incidents_section(result.response))
    return tuple(sections)


def _record_alerts(replay: AttackReplay) -> Callable[[Store], None]:
    def record(store: Store) -> None:
        store.record_alerts([a.to_dict() for a in replay.detection.alerts])

    return record


def store_and_render(result: DemoResult, db: Path | None, report: Path) -> int:
    """The scan run with the IAM findings, and the alerts, into the store; then the HTML
    report with its IAM and Alerts sections; returns the exit code."""
    out = OutputOptions(fmt="html", output=report, db=db, quiet=True)
    replay = result.attacks
    return deliver(
        result.combined(),
        out,
        kind="scan",
        extra_sections=_sections(result),
        also_store=None if replay is None else _record_alerts(replay),
    )


def _print_iam(review: IamReview) -> None:
    analysis = review.analysis
    stdout.print(
        f"IAM: {review.admins} effective admins, {len(analysis.paths)} privilege-escalation "
        f"paths, {len(analysis.risky)} risky capabilities ({review.seconds:.1f}s)"
    )
    stdout.print(
        f"external access: {review.exposed('public')} public resources, "
        f"{review.exposed('outside_org')} shared outside the organisation, "
        f"{len(review.access.external)} resource policies analysed"
    )


def _print_response(response: IncidentResponse) -> None:
    counts = ", ".join(f"{k} {n}" for k, n in sorted(response.statuses().items()))
    stdout.print(
        f"incidents: {len(response.incidents)} routed to playbooks ({counts}), "
        f"{response.seconds:.1f}s"
    )
    for incident in response.incidents:
        if incident.status not in ("done", "noop", "recovered"):
            rule = incident.alert.get("rule_id", "")
            failed = (item for item in incident.left_for_human if "(failed)" in item)
            why = next(failed, incident.message)
            stdout.print(f"  {rule} -> {incident.playbook}: {incident.status}: {why}")
    contained = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in response.contained.items())
    stdout.print(f"contained (asked of the lab): {contained}")
    stdout.print(response.rescan)
    for finding in response.resolved:
        stdout.print(f"  FAIL -> PASS {finding.source_id} {finding.resource_arn}")


def _print_alerts(replay: AttackReplay) -> None:
    detection = replay.detection
    stats = detection.stats
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.events.items()))
    stdout.print(
        f"attacks replayed: {len(replay.scenarios)} scenarios over {replay.files} log files "
        f"({kinds} events); {replay.rules} rules, {replay.seconds:.1f}s"
    )
    line = "Alerts: " + ", ".join(
        f"[{SEVERITY_STYLES[s]}]{s.value} {n}[/]" for s, n in replay.by_severity().items()
    )
    stdout.print(line if detection.alerts else "Alerts: none")
    table = Table(title="Rules that raised the most severe alerts", title_justify="left")
    for column in ("severity", "alerts", "rule", "title"):
        table.add_column(column, justify="right" if column == "alerts" else "left")
    for rid, title, sev, n in replay.top_rules():
        table.add_row(Text(sev.value, style=SEVERITY_STYLES[sev]), str(n), rid, title)
    stdout.print(table)
    caught = [s for s in replay.scenarios if not replay.missed(s) and not replay.unavailable(s)]
    stdout.print(
        f"scenarios caught by every rule they declare: {len(caught)}/{len(replay.scenarios)}"
    )
    for s in replay.scenarios:
        if missed := replay.missed(s):
            stdout.print(f"  {s.name}: no alert from {', '.join(missed)}")
        if unavailable := replay.unavailable(s):
            stdout.print(f"  {s.name}: not in this build: {', '.join(unavailable)}")
