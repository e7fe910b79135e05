"""``cloudwarden respond``: run incident-response playbooks, with a journal in the store.

Every command is a thin wrapper over :class:`cloudwarden.respond.runner.Runner`. Runs are
dry runs unless ``--approve`` or the responder configuration (``--config`` /
``$CLOUDWARDEN_RESPOND_CONFIG``) says otherwise.

Exit codes of ``run``, ``resume`` and ``approve``: 0 the run finished (done, dry run, or
waiting for approval), 1 it failed, 2 a mistake of yours, 3 it needs an input the trigger
did not give (``needs-input``), 4 the resource it names does not exist
(``not-applicable``). 3 and 4 mean nothing was changed, and are not failures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from cloudwarden.aws.session import AwsContext, AwsOptions, open_context
from cloudwarden.cli.common import UserError
from cloudwarden.model import Status
from cloudwarden.respond.catalog import builtin_playbooks, find_playbook
from cloudwarden.respond.config import ConfigError, Mode, RespondConfig, load_config
from cloudwarden.respond.journal import Journal, JournalEntry, run_status
from cloudwarden.respond.playbook import PlaybookError
from cloudwarden.respond.record import post_incident_record, record_markdown
from cloudwarden.respond.runner import Runner, RunnerError, RunOutcome
from cloudwarden.respond.trigger import Trigger, alert_trigger, finding_trigger
from cloudwarden.store import Store, StoreError

app = typer.Typer(
    help="Incident response: playbooks with dry run, approval, journal and rollback.",
    no_args_is_help=True,
)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Store (default: user data dir).")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Responder config YAML (mode, scope, notify sinks)."),
]
ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile to use.")]
EndpointOpt = Annotated[
    str | None, typer.Option(help="AWS-compatible endpoint (also AWS_ENDPOINT_URL).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _config(path: Path | None) -> RespondConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _aws_for(profile: str | None, endpoint: str | None) -> Callable[[str], AwsContext]:
    cache: dict[str, AwsContext] = {}

    def aws_for(region: str) -> AwsContext:
        if region not in cache:
            options = AwsOptions(profile=profile, region=region or None, endpoint_url=endpoint)
            cache[region] = open_context(options)
        return cache[region]

    return aws_for


def _open(db: Path | None) -> Store:
    return Store.open(db)


def _trigger(store: Store, alert: str | None, finding: str | None, environment: str) -> Trigger:
    if (alert is None) == (finding is None):
        raise UserError("give exactly one of --alert ID or --finding ID")
    if alert is not None:
        found = store.alert(alert)
        if found is None:
            raise UserError(f"no alert {alert!r} in store {store.path}")
        return alert_trigger(found, environment)
    for run in reversed(store.runs()):
        for item in store.findings(run.id):
            if item.id == finding:
                return finding_trigger(item, environment)
    raise UserError(f"no finding {finding!r} in store {store.path}")


EXIT_CODES = {"failed": 1, "needs-input": 3, "not-applicable": 4}
"""A run's exit code by its status (anything else: 0)."""


def _exit(status: str) -> None:
    code = EXIT_CODES.get(status, 0)
    if code:
        raise typer.Exit(code)


def _settled_detail(entries: list[JournalEntry] | tuple[JournalEntry, ...]) -> dict[str, Any]:
    """What a needs-input / not-applicable run lacks: its missing inputs or its reason."""
    for entry in reversed(entries):
        if entry.kind == "needs-input":
            return {"missing": list(entry.data.get("missing") or []), "reason": entry.message}
        if entry.kind == "not-applicable":
            return {"step": entry.step, "reason": entry.message}
    return {}


def _print_outcome(outcome: RunOutcome, as_json: bool) -> None:
    if as_json:
        doc = {
            "run_id": outcome.run_id,
            "status": outcome.status,
            "message": outcome.message,
            **_settled_detail(outcome.entries),
            "entries": [e.as_dict() for e in outcome.entries],
        }
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    for entry in outcome.entries:
        _print_entry(entry)
    print(f"{outcome.status}: {outcome.message}")


def _print_entry(entry: JournalEntry) -> None:
    where = f" [{entry.phase}] {entry.step}" if entry.step else ""
    what = f" {entry.action}" if entry.action else ""
    line = f"{entry.seq:>3} {entry.kind:<18}{where}{what}: {entry.message}"
    print(line)


def _mode(dry_run: bool, approve: bool, mode: str | None, config: RespondConfig) -> Mode:
    if dry_run and approve:
        raise UserError("--dry-run and --approve exclude each other")
    if dry_run:
        return Mode.DRY_RUN
    if mode is not None:
        try:
            return Mode(mode)
        except ValueError:
            raise UserError(f"--mode: use dry-run, approve or auto, not {mode!r}") from None
    return Mode.APPROVE if approve else config.mode


@app.command("run")
def run(
    playbook: Annotated[str, typer.Argument(help="Playbook id or YAML file.")],
    alert: Annotated[str | None, typer.Option(help="Stored alert id that triggers it.")] = None,
    finding: Annotated[str | None, typer.Option(help="Stored finding id that triggers it.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only (the default).")] = False,
    approve: Annotated[
        bool, typer.Option("--approve", help="Apply, approving the playbook's approval steps.")
    ] = False,
    mode: Annotated[str | None, typer.Option(help="dry-run, approve or auto.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Start anew even if the incident was handled.")
    ] = False,
    environment: Annotated[str, typer.Option(help="aws or lab (for routing).")] = "aws",
    db: DbOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a playbook for one alert or finding."""
    cfg = _config(config)
    chosen = _mode(dry_run, approve, mode, cfg)
    try:
        book = find_playbook(playbook)
    except PlaybookError as exc:
        raise UserError(str(exc)) from None
    with _open(db) as store:
        trigger = _trigger(store, alert, finding, environment)
        runner = Runner(store, _aws_for(profile, endpoint_url), cfg)
        outcome = runner.start(book, trigger, chosen, approve=approve, force=force)
    _print_outcome(outcome, as_json)
    _exit(outcome.status)


def _continue(
    run_id: str,
    approve: bool,
    db: Path | None,
    config: Path | None,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
) -> None:
    with _open(db) as store:
        runner = Runner(store, _aws_for(profile, endpoint_url), _config(config))
        try:
            outcome = runner.resume(run_id, approve=approve)
        except RunnerError as exc:
            raise UserError(str(exc)) from None
    _print_outcome(outcome, as_json)
    _exit(outcome.status)


@app.command("resume")
def resume(
    run_id: Annotated[str, typer.Argument(help="Run id.")],
    approve: Annotated[bool, typer.Option("--approve", help="Also approve what waits.")] = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Continue a run that was interrupted (or waits for approval)."""
    _continue(run_id, approve, db, config, profile, endpoint_url, as_json)


@app.command("approve")
def approve_run(
    run_id: Annotated[str, typer.Argument(help="Run id.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a run that waits at an approval step, and continue it."""
    _continue(run_id, True, db, config, profile, endpoint_url, as_json)


@app.command("rollback")
def rollback(
    run_id: Annotated[str, typer.Argument(help="Run id.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Undo a run's changes, newest first (one-way steps are left for a human)."""
    with _open(db) as store:
        runner = Runner(store, _aws_for(profile, endpoint_url), _config(config))
        try:
            outcome = runner.rollback(run_id)
        except RunnerError as exc:
            raise UserError(str(exc)) from None
    _print_outcome(outcome, as_json)
    if outcome.status != "rolled-back":
        raise typer.Exit(1)


@app.command("list")
def list_runs(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Response runs, oldest first, with their status."""
    with Store.open(db) as store:
        journal = Journal(store)
        rows = []
        for info in journal.runs():
            entries = journal.entries(info.run_id)
            rows.append((info, run_status(entries), _settled_detail(entries)))
    if as_json:
        doc = [
            {
                "run_id": i.run_id,
                "playbook": i.playbook,
                "incident": i.incident_key,
                "mode": i.mode,
                "status": s,
                "started_at": i.started_at.isoformat(),
                **detail,
            }
            for i, s, detail in rows
        ]
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    for info, status, detail in rows:
        missing = detail.get("missing")
        shown = f"{status} ({', '.join(missing)})" if missing else status
        line = f"{info.run_id}  {shown:<18} {info.mode:<8} {info.playbook:<28} {info.incident_key}"
        print(line)
    if not rows:
        print("no response runs recorded")


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="Run id.")],
    record: Annotated[
        bool, typer.Option("--record", help="Print the post-incident record (Markdown).")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A run's journal, or its post-incident record."""
    with Store.open(db) as store:
        journal = Journal(store)
        info = journal.run(run_id)
        if info is None:
            raise UserError(f"no response run {run_id!r} in store {store.path}")
        entries = journal.entries(run_id)
    if record:
        doc: dict[str, Any] = post_incident_record(info, entries)
        if as_json:
            print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        else:
            print(record_markdown(doc), end="")
        return
    status = run_status(entries)
    detail = _settled_detail(entries)
    message = f"{info.incident_key}: {detail['reason']}" if detail else info.incident_key
    _print_outcome(RunOutcome(run_id, status, message, tuple(entries)), as_json)


@app.command("playbooks")
def playbooks(as_json: JsonOpt = False) -> None:
    """The available playbooks (builtin and from plugins)."""
    try:
        found = builtin_playbooks()
    except PlaybookError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        doc = [
            {"id": p.id, "title": p.title, "steps": [s.id for s in p.steps]} for p in found.values()
        ]
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    for pb in sorted(found.values(), key=lambda p: p.id):
        print(f"{pb.id:<28} {pb.title}")


@app.command("validate")
def validate(files: Annotated[list[Path], typer.Argument(help="Playbook YAML files.")]) -> None:
    """Check playbook files; print every problem with its location."""
    problems = 0
    for path in files:
        try:
            find_playbook(str(path))
        except PlaybookError as exc:
            for problem in exc.problems:
                print(problem)
            problems += len(exc.problems)
    if problems:
        raise typer.Exit(1)
    print(f"{len(files)} playbook(s) valid")


_ORDER = (Mode.DRY_RUN, Mode.APPROVE, Mode.AUTO)


@app.command("watch")
def watch(
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls.")] = 10.0,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    environment: Annotated[str, typer.Option(help="aws or lab (for routing).")] = "aws",
    routes: Annotated[Path | None, typer.Option(help="Route file (default: builtin).")] = None,
    findings: Annotated[
        bool, typer.Option(help="Also route the failed findings of the latest scan run.")
    ] = True,
    db: DbOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
) -> None:
    """Route new stored alerts (and the latest scan's failed findings) to playbooks and run
    them, never beyond the configured mode; each incident runs once."""
    from cloudwarden.respond.routing import Router, RoutingError

    cfg = _config(config)
    try:
        known = builtin_playbooks()
        router = Router.from_file(routes) if routes else Router.default()
    except (PlaybookError, RoutingError) as exc:
        raise UserError(str(exc)) from None
    while True:
        try:
            with _open(db) as store:
                runner = Runner(store, _aws_for(profile, endpoint_url), cfg)
                for trigger in _new_triggers(store, environment, findings):
                    _watch_one(runner, router, known, trigger, cfg)
        except StoreError as exc:
            if once:
                raise UserError(str(exc)) from None
            # DuckDB admits one writing process: while `detect watch` records alerts the
            # store is busy; poll again rather than end the watch
            print(f"store busy or unreadable, retrying in {interval:g}s: {exc}", file=sys.stderr)
        if once:
            return
        time.sleep(interval)


def _new_triggers(store: Store, environment: str, findings: bool) -> Iterator[Trigger]:
    """Stored alerts, oldest first, then the failed findings of the latest scan run."""
    for alert in reversed(store.alerts(limit=None)):
        yield alert_trigger(alert, environment)
    latest = store.latest_run("scan") if findings else None
    if latest is not None:
        for item in store.findings(latest.id):
            if item.status is Status.FAIL:
                yield finding_trigger(item, environment)


def _watch_one(
    runner: Runner,
    router: Any,
    known: dict[str, Any],
    trigger: Trigger,
    cfg: RespondConfig,
) -> None:
    decision = router.route(trigger.incident)
    if decision is None:
        return
    book = known.get(str(decision.playbook).replace("_", "-"))
    if book is None:
        print(f"{trigger.key}: no playbook {decision.playbook!r}")
        return
    if runner.journal.runs(trigger.key, book.id):
        return  # each incident runs once: a needs-input or failed run is not retried

    mode = min(Mode(decision.mode.value), cfg.mode, key=_ORDER.index)
    outcome = runner.start(book, trigger, mode)
    line = f"{trigger.key} -> {book.id} ({mode.value}): {outcome.status}: {outcome.message}"
    print(line)


def responder_policy_cmd(
    account: Annotated[str, typer.Option(help="Narrow every ARN to this account.")] = "*",
    passable_role: Annotated[
        list[str] | None,
        typer.Option(help="Role ARN (pattern) an EC2 rollback may pass; repeatable."),
    ] = None,
) -> None:
    """Print the responder's least-privilege IAM policy, generated from the actions'
    declared permissions."""
    from cloudwarden.respond.policy import responder_policy

    policy = responder_policy(account=account, passable_roles=tuple(passable_role or ()))
    print(orjson.dumps(policy, option=orjson.OPT_INDENT_2).decode())
