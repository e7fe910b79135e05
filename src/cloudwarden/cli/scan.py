"""``cloudwarden scan`` and ``cloudwarden checks``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cloudwarden.assess import Assessment, CheckSelection, load_and_assess, with_iam_review
from cloudwarden.assess import scan as run_scan
from cloudwarden.aws.session import DEFAULT_ORG_ROLE, AwsOptions
from cloudwarden.checks.runner import select_checks
from cloudwarden.cli.common import UserError, interactive, progress_bar, stderr, stdout
from cloudwarden.cli.output import OutputOptions, deliver
from cloudwarden.inventory.collector import ScanScope
from cloudwarden.model import Area, Severity


def _severity(value: str | None) -> Severity | None:
    if value is None:
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _areas(values: list[str]) -> tuple[str, ...]:
    known = {a.value for a in Area}
    bad = [v for v in values if v not in known]
    if bad:
        raise UserError(f"unknown area {bad[0]!r} (expected one of: {', '.join(sorted(known))})")
    return tuple(values)


def scan(
    profile: Annotated[str | None, typer.Option(help="AWS profile to use.")] = None,
    region: Annotated[
        list[str], typer.Option("--region", "-r", help="Region(s) to scan (default: all enabled).")
    ] = [],  # noqa: B006
    endpoint_url: Annotated[
        str | None, typer.Option(help="AWS-compatible endpoint (also AWS_ENDPOINT_URL).")
    ] = None,
    role_arn: Annotated[
        list[str], typer.Option("--role-arn", help="Role(s) to assume first, in order (a chain).")
    ] = [],  # noqa: B006
    external_id: Annotated[
        str | None, typer.Option(help="ExternalId for the assumed role(s).")
    ] = None,
    organization: Annotated[
        bool, typer.Option("--organization", help="Scan every account of the organisation.")
    ] = False,
    org_role: Annotated[
        str, typer.Option(help="Role assumed in each member account.")
    ] = DEFAULT_ORG_ROLE,
    account: Annotated[
        list[str], typer.Option("--account", help="Limit an organisation scan to these accounts.")
    ] = [],  # noqa: B006
    service: Annotated[
        list[str], typer.Option("--service", help="Collect only these services.")
    ] = [],  # noqa: B006
    check: Annotated[
        list[str], typer.Option("--check", "-c", help="Check id or glob to run (repeatable).")
    ] = [],  # noqa: B006
    exclude_check: Annotated[
        list[str], typer.Option("--exclude-check", help="Check id or glob to skip.")
    ] = [],  # noqa: B006
    area: Annotated[list[str], typer.Option("--area", help="Only checks of this area.")] = [],  # noqa: B006
    snapshot: Annotated[
        Path | None, typer.Option(help="Assess a saved snapshot offline instead of AWS.")
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Save the collected snapshot (gzip JSON).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="ocsf, asff, sarif, csv or html.")
    ] = "ocsf",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Exit 1 if a FAIL at or above this severity exists.")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB store (default: user data dir).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record this run.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Parallel collection threads.")] = 16,
    iam_analysis: Annotated[
        bool,
        typer.Option(
            "--iam-analysis/--no-iam-analysis",
            help="Also analyse the snapshot's IAM: effective admins, privilege-escalation "
            "paths, risky capabilities, external and unused access.",
        ),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
) -> None:
    """Assess an AWS account (or organisation) against the Security Pillar, and analyse its
    IAM (unless --no-iam-analysis)."""
    selection = CheckSelection(tuple(check), tuple(exclude_check), _areas(area), None)
    out = OutputOptions(fmt, output, _severity(fail_on), db, no_store, quiet)
    out.validate()
    if snapshot is not None:
        result = load_and_assess(str(snapshot), selection)
    else:
        options = AwsOptions(
            profile, region[0] if region else None, endpoint_url, tuple(role_arn), external_id
        )
        scope = ScanScope(
            tuple(region), tuple(service), organization, org_role, tuple(account), workers
        )
        with progress_bar("collecting", quiet) as progress:
            result = run_scan(options, scope, selection, progress)
    _save_snapshot(result, save)
    if iam_analysis:
        result = _review_iam(result, selection, quiet)
    sections = result.iam.sections() if result.iam is not None else ()
    code = deliver(result, out, kind="scan", extra_sections=sections)
    if not quiet and result.iam is not None:
        stdout.print(result.iam.summary())
    raise typer.Exit(code)


def _review_iam(result: Assessment, selection: CheckSelection, quiet: bool) -> Assessment:
    if not interactive(quiet):
        return with_iam_review(result, selection)
    with stderr.status("analysing IAM (admins, escalation paths, external access) ..."):
        return with_iam_review(result, selection)


def _save_snapshot(result: Assessment, path: Path | None) -> None:
    if path is None:
        return
    try:
        result.snapshot.save(path)
    except OSError as exc:
        raise UserError(f"cannot write snapshot {path}: {exc.strerror}") from None


def list_checks(
    area: Annotated[list[str], typer.Option("--area", help="Only checks of this area.")] = [],  # noqa: B006
) -> None:
    """List the checks with their area, severity and Well-Architected / CIS ids."""
    table = Table()
    table.add_column("id", no_wrap=True)
    for column in ("area", "severity", "WA", "CIS", "title"):
        table.add_column(column)
    chosen = select_checks(areas=_areas(area))
    for c in chosen:
        m = c.meta
        table.add_row(
            m.id, m.area.value, m.severity.value, " ".join(m.wa_ids), " ".join(m.cis_ids), m.title
        )
    stdout.print(table)
    stdout.print(f"{len(chosen)} checks")


def scanner_policy_cmd() -> None:
    """Print cloudwarden's least-privilege, read-only scanner policy (IAM JSON)."""
    from cloudwarden.inventory.permissions import scanner_policy

    stdout.print_json(json.dumps(scanner_policy()))
