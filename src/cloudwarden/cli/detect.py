"""``cloudwarden detect run|rules``: rules over CloudTrail, VPC Flow and S3 access logs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cloudwarden.cli import sinks as sink_cli
from cloudwarden.cli.common import UserError, progress_bar
from cloudwarden.detect.delivery import Router, SpoolError
from cloudwarden.detect.rules import builtin_native_rules, builtin_rules, load_native, load_rules
from cloudwarden.detect.rules.catalog import select_rules
from cloudwarden.detect.rules.hatch import hatch_counts, hatch_errors
from cloudwarden.detect.rules.ir import Problem, Rule
from cloudwarden.detect.run import (
    ENGINES,
    Alert,
    DetectionResult,
    EngineName,
    rule_fields,
    run_detection,
)
from cloudwarden.detect.sources import SourceError
from cloudwarden.detect.sources.remote import is_local
from cloudwarden.fileio import write_atomic
from cloudwarden.model import Severity

app = typer.Typer(
    help="Detection as code: Sigma rules over CloudTrail, VPC Flow Logs and S3 access logs.",
    no_args_is_help=True,
)

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="Sigma or native rule YAML file or folder (repeatable), added to the builtins.",
    ),
]
NoBuiltinOpt = Annotated[
    bool, typer.Option("--no-builtin", help="Use only the --rules rules, not the builtin set.")
]
SinkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sink",
        help="Deliver alerts (repeatable): stdout, file:PATH, webhook:URL, slack:URL, "
        "sns:TOPIC_ARN, eventbridge:BUS_NAME_OR_ARN, store[:PATH].",
    ),
]
SpoolOpt = Annotated[
    Path | None,
    typer.Option(
        "--spool",
        help="Folder for alerts a sink could not take yet "
        "(default: $CLOUDWARDEN_SPOOL or the user data dir).",
    ),
]
MinSeverityOpt = Annotated[
    str | None,
    typer.Option(
        "--min-severity",
        help="Only rules at or above: critical, high, medium, low, informational "
        "(SigmaHQ's low rules alert on routine activity, e.g. every AssumeRole session).",
    ),
]
ExcludeRuleOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude-rule", help="Leave out the rules whose id matches (glob, repeatable)."),
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Store to record alerts in (implies --store).")
]


#: the problems of a watch poll shown one per line (the count covers the rest)
_SHOWN_PROBLEMS = 5

_NO_RULES = "no rules selected (give --rules, drop --no-builtin, or widen the selection)"


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _selected_rules(
    paths: list[Path] | None,
    builtin: bool,
    min_severity: str | None,
    exclude: list[str] | None,
) -> tuple[list[Rule], list[Problem]]:
    """:func:`_load_rules`, then ``--min-severity`` and ``--exclude-rule``."""
    try:
        minimum = Severity.parse(min_severity) if min_severity is not None else None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    loaded, problems = _load_rules(paths, builtin)
    return select_rules(loaded, min_severity=minimum, exclude=exclude or ()), problems


def _load_rules(paths: list[Path] | None, builtin: bool) -> tuple[list[Rule], list[Problem]]:
    """Builtin and ``--rules`` rules (first of a duplicate id wins), and every load problem."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    if builtin:
        res = builtin_rules()
        rules.extend(res.rules)
        problems.extend(res.problems)
    if paths:
        for path in paths:
            if not path.exists():
                raise UserError(f"--rules {path}: no such file or folder")
        res = load_rules(paths)
        rules.extend(res.rules)
        problems.extend(res.problems)
    seen: set[str] = set()
    unique: list[Rule] = []
    for r in rules:
        if r.id in seen:
            problems.append(
                Problem(r.source_path, "duplicate rule id, ignored", kind="invalid", rule_id=r.id)
            )
            continue
        seen.add(r.id)
        unique.append(r)
    return unique, problems


def _report_problems(problems: list[Problem]) -> None:
    for p in problems:
        rid = f" [{p.rule_id}]" if p.rule_id else ""
        _err(f"cloudwarden: rule{rid}: {p}")


def _check_output(output: Path, sources: list[str]) -> None:
    """Refuse an ``--output`` that is one of the log files being read (it would be replaced
    by the alerts)."""
    if not output.is_file():
        return
    target = output.resolve()
    for spec in sources:
        if not is_local(spec):
            continue
        root = Path(spec).resolve()
        if target == root or (root.is_dir() and target.is_relative_to(root)):
            raise UserError(f"--output {output} is one of the logs being read; choose another file")


def _check_sources(sources: list[str]) -> None:
    for spec in sources:
        if not is_local(spec):
            continue
        if not Path(spec).exists():
            raise UserError(f"{spec}: no such file or folder")


def _jsonl(alerts: Sequence[Alert], per_chunk: int = 1000) -> Iterator[bytes]:
    """The alerts as JSON Lines, in chunks of ``per_chunk`` lines."""
    dumps = orjson.dumps
    for start in range(0, len(alerts), per_chunk):
        yield b"".join(dumps(a.to_dict()) + b"\n" for a in alerts[start : start + per_chunk])


def _write_atomic(target: Path, payload: bytes | Iterable[bytes]) -> None:
    """Never a half file: see :func:`cloudwarden.fileio.write_atomic`."""
    try:
        write_atomic(target, payload)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None


def _summary(result: DetectionResult, titles: dict[str, str]) -> None:
    stats = result.stats
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.events.items())) or "none"
    _err(f"events read: {stats.total_events} ({kinds}) from {stats.files} file(s)")
    if stats.unparseable:
        reasons = ", ".join(f"{r}: {n}" for r, n in stats.by_reason.most_common())
        _err(f"unparseable records: {stats.unparseable} ({reasons})")
        for p in stats.problems[:5]:
            _err(f"  {p.location}: {p.reason}")
    for rid, why in sorted(result.unsupported.items()):
        _err(f"rule {rid}: {why}")
    by_rule = result.by_rule()
    _err(f"alerts: {len(result.alerts)}")
    for rid, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        _err(f"  {n:>6}  {titles.get(rid, rid)} ({rid})")


@app.command("run")
def run(
    sources: Annotated[
        list[str],
        typer.Argument(help="Files, folders, s3://bucket/prefix or cloudtrail:lookup_events."),
    ],
    rules: RulesOpt = None,
    no_builtin: NoBuiltinOpt = False,
    min_severity: MinSeverityOpt = None,
    exclude_rule: ExcludeRuleOpt = None,
    engine: Annotated[
        str, typer.Option("--engine", help="stream (Python, per event) or batch (DuckDB SQL).")
    ] = "stream",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write alerts (JSON Lines) here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] = False,
    sink: SinkOpt = None,
    store: Annotated[
        bool | None,
        typer.Option(
            "--store/--no-store",
            help="Record alerts in the store (default: only when --db is given).",
        ),
    ] = None,
    db: DbOpt = None,
    spool: SpoolOpt = None,
) -> None:
    """Run the rules over log sources; alerts as JSON Lines (stdout unless --output or --sink)."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    _check_sources(sources)
    if output is not None:
        _check_output(output, sources)
    sink_cli.check_spool(spool)
    sinks = sink_cli.build_sinks(sink, store=sink_cli.records_to_store(store, db), db=db)
    loaded, problems = _selected_rules(rules, not no_builtin, min_severity, exclude_rule)
    _report_problems(problems)  # per rule, never fatal; shown even with --quiet
    if not loaded:
        raise UserError(_NO_RULES)
    eng: EngineName = "batch" if engine == "batch" else "stream"
    before = hatch_counts()
    with progress_bar("reading events", quiet) as update:
        try:
            result = run_detection(
                sources,
                loaded,
                engine=eng,
                progress=(lambda n: update(n, n)) if update is not None else None,
            )
        except SourceError as exc:
            raise UserError(str(exc)) from None
    # per rule, like the load problems, even with -q
    for failed in hatch_errors(loaded, since=before):
        _err(f"cloudwarden: rule [{failed.rule_id}]: {failed}")
    stats = result.stats
    if stats.unparseable and not stats.total_events:
        first = stats.problems[0] if stats.problems else None
        where = f"; first: {first.location}: {first.reason}" if first else ""
        raise UserError(f"no events could be read: {stats.unparseable} problem(s){where}")
    if quiet and stats.unparseable:  # the summary says more; -q keeps one line of it
        _err(
            f"cloudwarden: warning: {stats.unparseable} record(s) or file(s) could not be "
            f"read (run without -q for where and why)"
        )
    # written as they are serialised, a thousand at a time: months of logs can raise
    # millions of alerts, and neither their dicts nor the whole output need be held at once
    if output is not None:
        _write_atomic(output, _jsonl(result.alerts))
    elif not sink:
        for chunk in _jsonl(result.alerts):
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    if not quiet:
        _summary(result, {r.id: r.title for r in loaded})
    if sinks:
        alerts = sink_cli.with_ids([a.to_dict() for a in result.alerts])
        sink_cli.deliver(Router(sinks, spool), alerts, quiet)


@app.command("rules")
def list_rules(
    rules: RulesOpt = None,
    no_builtin: NoBuiltinOpt = False,
    min_severity: MinSeverityOpt = None,
    exclude_rule: ExcludeRuleOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per rule.")] = False,
) -> None:
    """List the loaded rules (and what each needs), then the unsupported ones with reasons."""
    loaded, problems = _selected_rules(rules, not no_builtin, min_severity, exclude_rule)
    out = sys.stdout
    for r in loaded:
        logsource = "/".join(x for x in (r.product, r.service, r.category) if x) or "any"
        fields = rule_fields(r)
        if json_out:
            rec = {
                "id": r.id,
                "title": r.title,
                "level": r.level,
                "author": r.author,
                "logsource": logsource,
                "fields": list(fields),
                "attack": list(r.attack_ids),
                "origin": r.source,
            }
            out.write(orjson.dumps(rec).decode() + "\n")
        else:
            out.write(
                f"{r.id}  {r.level:<13} {r.title}\n"
                f"    author: {r.author or '-'}; logsource: {logsource}; "
                f"fields: {', '.join(fields) or '-'}\n"
            )
    _err(f"{len(loaded)} rule(s) loaded")
    unsupported = [p for p in problems if p.kind == "unsupported"]
    invalid = [p for p in problems if p.kind != "unsupported"]
    if unsupported:
        _err(f"{len(unsupported)} unsupported:")
        for p in unsupported:
            _err(f"  {p.rule_id or '-'}: {p}")
    if invalid:
        _err(f"{len(invalid)} invalid:")
        for p in invalid:
            _err(f"  {p.rule_id or '-'}: {p}")


@app.command("alerts")
def list_alerts(
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule id.")] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", help="critical, high, medium, low, informational.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Last event at or after (ISO 8601).")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many (1 or more), newest first.", min=1)
    ] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per alert.")] = False,
    db: Annotated[Path | None, typer.Option("--db", help="Store (default: user data dir).")] = None,
) -> None:
    """List the alerts recorded in the store, newest first."""
    from cloudwarden.store import Store, default_path

    when, level = sink_cli.parse_since(since), sink_cli.severity_name(severity)
    if db is not None and not db.exists():  # a store named on purpose: a typo, not "no alerts"
        raise UserError(f"--db {db}: no such store")
    if db is None and not default_path().exists():  # nothing recorded yet: no alerts
        _err(f"no store at {default_path()} (record alerts with --store or --db)")
        return
    with Store.open(db, read_only=True) as opened:
        found = opened.alerts(rule=rule, since=when, severity=level, limit=limit)
    if json_out:
        sys.stdout.buffer.write(b"".join(orjson.dumps(a) + b"\n" for a in found))
        sys.stdout.flush()
        return
    sink_cli.print_table(sink_cli.alerts_table(found))
    _err(f"{len(found)} alert(s)")


@app.command("flush")
def flush_spool(
    sink: Annotated[
        list[str] | None,
        typer.Option("--sink", help="Only these sinks' spools (default: every spooled sink)."),
    ] = None,
    spool: SpoolOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings.")] = False,
) -> None:
    """Re-send the alerts waiting in the spool; exit 2 if some still cannot be delivered."""
    sink_cli.flush(sink, spool, quiet)


@app.command("watch")
def watch(
    sources: Annotated[list[str], typer.Argument(help="Folders, files or s3://bucket/prefix.")],
    rules: RulesOpt = None,
    no_builtin: NoBuiltinOpt = False,
    min_severity: MinSeverityOpt = None,
    exclude_rule: ExcludeRuleOpt = None,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls.", min=0.0)
    ] = 60.0,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state", help="State file (default: one per set of sources, user data dir)."
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Poll once, then exit.")] = False,
    max_polls: Annotated[
        int | None, typer.Option("--max-polls", help="Stop after N polls.", min=1)
    ] = None,
    settle: Annotated[
        float, typer.Option("--settle", help="Skip files modified in the last N seconds.", min=0.0)
    ] = 2.0,
    sink: SinkOpt = None,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Record alerts in the store.")
    ] = True,
    db: DbOpt = None,
    spool: SpoolOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings.")] = False,
) -> None:
    """Poll sources for new log objects, run the rules on them, deliver and record alerts."""
    from cloudwarden.detect.watch import PollReport, Watcher, WatchError, default_state_path

    # without --sink, alerts go to stdout as with `detect run`; the store is not an output
    specs = sink or ["stdout"]
    sink_cli.check_spool(spool)
    sinks = sink_cli.build_sinks(specs, store=sink_cli.records_to_store(store or None, db), db=db)
    loaded, problems = _selected_rules(rules, not no_builtin, min_severity, exclude_rule)
    _report_problems(problems)
    if not loaded:
        raise UserError(_NO_RULES)
    router = Router(sinks, spool)
    errors: list[str] = []
    counted = [hatch_counts()]  # python-function failures counted before this poll

    def report(poll: PollReport) -> None:
        if poll.error is not None:
            errors.append(poll.error)
            if not once:
                _err(f"cloudwarden: warning: poll {poll.poll}: {poll.error}")
        sink_cli.show_reports(poll.deliveries, router, quiet=True)
        if not quiet:
            stopped = " (interrupted)" if poll.interrupted else ""
            _err(
                f"poll {poll.poll}: {poll.objects} new object(s), {poll.events} event(s), "
                f"{poll.alerts} alert(s), {poll.stats.unparseable} unparseable{stopped}"
            )
        # where and why, even with -q (warnings): a few lines, the count says the rest
        problems = poll.stats.problems
        for p in problems[:_SHOWN_PROBLEMS]:
            _err(f"cloudwarden: warning: poll {poll.poll}: {p.location}: {p.reason}")
        if poll.stats.unparseable > _SHOWN_PROBLEMS:
            more = poll.stats.unparseable - min(len(problems), _SHOWN_PROBLEMS)
            _err(f"cloudwarden: warning: poll {poll.poll}: and {more} more problem(s)")
        for failed in hatch_errors(loaded, since=counted[0]):
            _err(f"cloudwarden: warning: poll {poll.poll}: rule [{failed.rule_id}]: {failed}")
        counted[0] = hatch_counts()

    try:
        watcher = Watcher(
            sources,
            loaded,
            state_path=state or default_state_path(sources),
            router=router,
            settle=settle,
        )
        watcher.run(interval=interval, max_polls=1 if once else max_polls, report=report)
    except (WatchError, SpoolError) as exc:
        raise UserError(str(exc)) from None
    if once and errors:
        raise UserError(errors[0])


@app.command("test")
def test_rules(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Native rule files or folders (default: the built-in pack)."),
    ] = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="Test on this engine only (default: both).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="A line for passing tests too.")
    ] = False,
) -> None:
    """Run the tests native rules carry, on both engines; exit 1 on a failure, 2 on a bad rule."""
    from cloudwarden.detect.rules.testing import missing_tests, run_tests

    if engine is not None and engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    engines: tuple[EngineName, ...] = ENGINES
    if engine is not None:
        engines = ("batch",) if engine == "batch" else ("stream",)
    res = load_native(paths) if paths else builtin_native_rules()
    _report_problems(list(res.problems))
    results = run_tests(res.rules, engines)
    failed = [r for r in results if not r.passed]
    for r in results if verbose else failed:
        print(r)
    uncovered = 0
    if not paths:  # every built-in rule shows a matching and a non-matching case
        for rule in res.rules:
            why = missing_tests(rule)
            if why is not None:
                uncovered += 1
                print(f"{rule.source_path}: {rule.id}: {why}")
    cases = len({(r.rule_id, r.test) for r in results})
    bad_cases = len({(r.rule_id, r.test) for r in failed})
    _err(
        f"{len(res.rules)} rule(s), {cases} test(s) on {' and '.join(engines)}: "
        f"{cases - bad_cases} passed, {bad_cases} failed"
        + (f", {uncovered} rule(s) lacking tests" if uncovered else "")
        + (f"; {len(res.problems)} rule file problem(s)" if res.problems else "")
    )
    if res.problems:
        raise typer.Exit(2)
    if failed or uncovered:
        raise typer.Exit(1)
