"""``cloudwarden detect run|rules``: rules over CloudTrail, VPC Flow and S3 access logs."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cloudwarden.cli.common import UserError, progress_bar
from cloudwarden.detect.rules import builtin_sigma_rules, load_sigma
from cloudwarden.detect.rules.ir import Problem, Rule
from cloudwarden.detect.run import (
    ENGINES,
    DetectionResult,
    EngineName,
    rule_fields,
    run_detection,
)
from cloudwarden.detect.sources import SourceError
from cloudwarden.detect.sources.remote import LOOKUP_SPEC

app = typer.Typer(
    help="Detection as code: Sigma rules over CloudTrail, VPC Flow Logs and S3 access logs.",
    no_args_is_help=True,
)

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Sigma YAML file or folder (repeatable), added to the builtins."),
]
NoBuiltinOpt = Annotated[
    bool, typer.Option("--no-builtin", help="Use only the --rules rules, not the builtin set.")
]


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _load_rules(paths: list[Path] | None, builtin: bool) -> tuple[list[Rule], list[Problem]]:
    """Builtin and ``--rules`` rules (first of a duplicate id wins), and every load problem."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    if builtin:
        res = builtin_sigma_rules()
        rules.extend(res.rules)
        problems.extend(res.problems)
    if paths:
        res = load_sigma(paths)
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


def _check_sources(sources: list[str]) -> None:
    for spec in sources:
        if spec.startswith("s3://") or spec == LOOKUP_SPEC or spec.startswith(LOOKUP_SPEC + "?"):
            continue
        if not Path(spec).exists():
            raise UserError(f"{spec}: no such file or folder")


def _write_atomic(target: Path, payload: bytes) -> None:
    """A temp file in the target's folder, fsync, then ``os.replace``: never a half file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


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
    engine: Annotated[
        str, typer.Option("--engine", help="stream (Python, per event) or batch (DuckDB SQL).")
    ] = "stream",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write alerts (JSON Lines) here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] = False,
) -> None:
    """Run the rules over log sources; alerts as JSON Lines (stdout unless --output)."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    _check_sources(sources)
    loaded, problems = _load_rules(rules, builtin=not no_builtin)
    _report_problems(problems)  # per rule, never fatal; shown even with --quiet
    if not loaded:
        raise UserError("no rules loaded (give --rules, or drop --no-builtin)")
    eng: EngineName = "batch" if engine == "batch" else "stream"
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
    payload = b"".join(orjson.dumps(a.to_dict()) + b"\n" for a in result.alerts)
    if output is not None:
        _write_atomic(output, payload)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    if not quiet:
        _summary(result, {r.id: r.title for r in loaded})


@app.command("rules")
def list_rules(
    rules: RulesOpt = None,
    no_builtin: NoBuiltinOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per rule.")] = False,
) -> None:
    """List the loaded rules (and what each needs), then the unsupported ones with reasons."""
    loaded, problems = _load_rules(rules, builtin=not no_builtin)
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
