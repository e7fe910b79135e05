"""``cloudwarden iam simulate``, ``who-can`` and ``validate``: the IAM engine at the shell.

Three ways in, all thin over ``cloudwarden.iam``: one request from flags and policy files
(``evaluate``), a JSONL batch from a file or stdin (``run_batch``, the public batch
contract), and account mode over a collected snapshot (``cloudwarden.iam.account``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.table import Table

from cloudwarden.cli.common import UserError, stdout
from cloudwarden.fileio import write_atomic
from cloudwarden.iam import Decision, PolicySet, Request, evaluate, parse_policy, run_batch
from cloudwarden.iam.account import AccountDataError, AccountPolicies, principal_context, who_can
from cloudwarden.iam.errors import PolicyParseError
from cloudwarden.iam.explain import Explanation, LayerExplanation, StatementResult
from cloudwarden.iam.policy import Policy
from cloudwarden.inventory.snapshot import Snapshot

if TYPE_CHECKING:
    from cloudwarden.iam.validate import ValidationFinding

app = typer.Typer(
    help="Simulate IAM requests exactly as AWS evaluates them, and explain why.",
    no_args_is_help=True,
)

_LEVEL_RE = re.compile(r"^(\d+):(.+)$", re.DOTALL)
ContextValue = str | list[str]

PolicyFiles = Annotated[list[Path], typer.Option(help="Identity-based policy file (repeatable).")]
LevelFiles = Annotated[
    list[str], typer.Option(help="LEVEL:FILE, levels numbered from the root (0); repeatable.")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PrincipalOpt = Annotated[
    str | None, typer.Option(help="ARN of the caller (or a service principal).")
]
ActionOpt = Annotated[str | None, typer.Option(help="service:Action, e.g. s3:GetObject.")]
ResourceOpt = Annotated[str, typer.Option(help="Resource ARN, or * for actions without one.")]
ContextOpt = Annotated[list[str], typer.Option(help="Request context key=value (repeatable).")]
FileOpt = Annotated[Path | None, typer.Option(help="A policy file.")]
AccountOpt = Annotated[str | None, typer.Option(help="Account owning the resource.")]
ManagementOpt = Annotated[bool, typer.Option(help="The caller is in the management account.")]
SnapshotOpt = Annotated[Path | None, typer.Option(help="Account mode: policies from a snapshot.")]
BatchOpt = Annotated[str | None, typer.Option(help="JSONL batch file, or - for stdin.")]
ExplainOpt = Annotated[bool, typer.Option(help="Explain the decision layer by layer.")]


def _read_policy(path: Path) -> Policy:
    """One policy file; a missing file or a malformed policy is one clear user error."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read policy file {path}: {exc.strerror}") from None
    try:
        return parse_policy(text)
    except PolicyParseError as exc:
        raise UserError(f"{path}: {exc}") from None


def _optional_policy(path: Path | None) -> Policy | None:
    return None if path is None else _read_policy(path)


def _levels(values: list[str], option: str) -> list[list[Policy]] | None:
    """``--scp 0:root.json --scp 1:ou.json``: a level without a file has no policy,
    which denies everything at that level, as an unattached level would in AWS."""
    if not values:
        return None
    by_level: dict[int, list[Policy]] = {}
    for value in values:
        match = _LEVEL_RE.match(value)
        if match is None:
            raise UserError(
                f"{option} expects LEVEL:FILE (for example 0:root-scp.json), not {value!r}"
            )
        by_level.setdefault(int(match.group(1)), []).append(_read_policy(Path(match.group(2))))
    return [by_level.get(i, []) for i in range(max(by_level) + 1)]


def _context(pairs: list[str]) -> dict[str, ContextValue]:
    """``key=value`` pairs; repeating a key makes it multivalued (``aws:TagKeys``)."""
    out: dict[str, ContextValue] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--context expects key=value, not {pair!r}")
        if key in out:
            previous = out[key]
            out[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            out[key] = value
    return out


def _batch(source: str, explain: bool) -> None:
    """Stream the batch contract: one result line per input line, in order."""
    if source == "-":
        errors = run_batch(sys.stdin, sys.stdout, explain)
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                errors = run_batch(handle, sys.stdout, explain)
        except OSError as exc:
            raise UserError(f"cannot read batch file {source}: {exc.strerror}") from None
    sys.stdout.flush()
    if errors:
        print(f"cloudwarden: {errors} batch line(s) had errors (see their \"error\" fields)",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(1)  # main() turns it into the exit status


def _account_decision(snapshot: Path, request: Request) -> Decision:
    """Account mode: the snapshot's policies, and the context keys AWS derives from the
    principal's record (given ``--context`` values win)."""
    loaded = Snapshot.load(snapshot)
    try:
        context: dict[str, Any] = dict(principal_context(loaded, request.principal))
        context.update(request.context)
        return AccountPolicies(loaded).evaluate(
            request.principal, request.action, request.resource, context
        )
    except AccountDataError as exc:
        raise UserError(str(exc)) from None


def _mark(result: StatementResult) -> str:
    if result.applies:
        return "[green]✓ applies[/green]" + (f" (names the {result.grant})" if result.grant else "")
    if result.reason == "condition" and result.condition is not None:
        c = result.condition
        actual = "absent" if c.actual is None else ", ".join(c.actual)
        return f"[dim]✗ condition {c.operator} {c.key}: wanted {', '.join(c.expected)}, got {actual}[/dim]"
    return f"[dim]✗ {result.reason} does not match[/dim]"


Names = dict[tuple[str, int | None, int], str]


def _names(
    identity: list[Path], single: dict[str, Path | None], levels: dict[str, list[str]]
) -> Names:
    """File names of the policies, by (layer, organisation level, index in the layer), so
    the explanation can say which file a statement came from."""
    names: Names = {("identity", None, i): p.name for i, p in enumerate(identity)}
    names.update({(layer, None, 0): p.name for layer, p in single.items() if p is not None})
    for layer, values in levels.items():
        seen: dict[int, int] = {}
        for value in values:
            match = _LEVEL_RE.match(value)
            if match is not None:
                level = int(match.group(1))
                names[(layer, level, seen.get(level, 0))] = Path(match.group(2)).name
                seen[level] = seen.get(level, 0) + 1
    return names


def _layer_lines(layer: LayerExplanation, names: Names) -> Iterator[str]:
    if not layer.applies:
        yield f"[bold]{layer.layer}[/bold]: [dim]not evaluated — {layer.note}[/dim]"
        return
    verdict = "[red]denies[/red]" if layer.denied else (
        "[green]allows[/green]" if layer.allowed else "[yellow]does not allow[/yellow]")  # fmt: skip
    levels = f" (levels: {', '.join('allow' if a else 'no allow' for a in layer.level_allows)})" \
        if layer.level_allows is not None else ""  # fmt: skip
    yield f"[bold]{layer.layer}[/bold]: {verdict}{levels}" + (
        f" — {layer.note}" if layer.note else ""
    )
    for s in layer.statements:
        where = f"level {s.level} " if s.level is not None else ""
        source = names.get((layer.layer, s.level, s.policy), f"policy {s.policy}")
        name = s.sid or f"statement {s.statement}"
        yield f"    {where}{source} {name} [{s.effect}]: {_mark(s)}"


def _print_decision(
    decision: Decision, explain: bool, as_json: bool, names: Names | None = None
) -> None:
    if as_json:
        out = (
            decision.to_dict()
            if explain
            else {"decision": decision.decision, "reason": decision.reason}
        )
        print(orjson.dumps(out).decode())
        return
    colour = {"allowed": "green", "explicit_deny": "red", "implicit_deny": "yellow"}[
        decision.decision
    ]
    stdout.print(f"[bold {colour}]{decision.decision}[/bold {colour}]: {decision.reason}")
    if explain and decision.explanation is not None:
        _print_explanation(decision.explanation, names or {})


def _print_explanation(explanation: Explanation, names: Names) -> None:
    for layer in explanation.layers:
        for line in _layer_lines(layer, names):
            stdout.print(line, highlight=False)


@app.command()
def simulate(
    principal: PrincipalOpt = None,
    action: ActionOpt = None,
    resource: ResourceOpt = "*",
    context: ContextOpt = [],  # noqa: B006
    identity_policy: PolicyFiles = [],  # noqa: B006
    resource_policy: FileOpt = None,
    resource_account: AccountOpt = None,
    permission_boundary: FileOpt = None,
    session_policy: FileOpt = None,
    scp: LevelFiles = [],  # noqa: B006
    rcp: LevelFiles = [],  # noqa: B006
    management_account: ManagementOpt = False,
    snapshot: SnapshotOpt = None,
    batch: BatchOpt = None,
    explain: ExplainOpt = False,
    as_json: JsonFlag = False,
) -> None:
    """Decide one request (flags and files, or --snapshot), or a JSONL --batch."""
    if batch is not None:
        if principal or action or snapshot or identity_policy or scp or rcp:
            raise UserError("--batch takes its requests from the file; drop the request flags")
        _batch(batch, explain)
        return
    if principal is None or action is None:
        raise UserError("--principal and --action are required (or use --batch)")
    request = Request(principal, action, resource, _context(context))
    if snapshot is not None:
        decision = _account_decision(snapshot, request)
        _print_decision(decision, explain, as_json)
        return
    files = {
        "resource": resource_policy,
        "boundary": permission_boundary,
        "session": session_policy,
    }
    policies = PolicySet(
        identity_policies=[_read_policy(p) for p in identity_policy],
        resource_policy=_optional_policy(resource_policy),
        resource_account=resource_account,
        permission_boundary=_optional_policy(permission_boundary),
        session_policy=_optional_policy(session_policy),
        scps=_levels(scp, "--scp"),
        rcps=_levels(rcp, "--rcp"),
        principal_is_management_account=management_account,
    )
    decision = evaluate(request, policies, explain=explain)
    names = _names(identity_policy, files, {"scp": scp, "rcp": rcp})
    _print_decision(decision, explain, as_json, names)


@app.command("who-can")
def who_can_command(
    action: Annotated[str, typer.Argument(help="service:Action, e.g. s3:GetObject.")],
    resource: Annotated[str, typer.Argument(help="Resource ARN.")],
    snapshot: Annotated[Path, typer.Option(help="A collected snapshot (gzip JSON).")],
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list principals who cannot.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per principal.")] = False,
) -> None:
    """List the users and roles of a snapshot that may perform ACTION on RESOURCE."""
    loaded = Snapshot.load(snapshot)
    try:
        found = who_can(loaded, action, resource, include_denied=show_all)
    except AccountDataError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        for entry in found:
            print(orjson.dumps({"principal": entry.principal, "decision": entry.decision,
                                "reason": entry.reason}).decode())  # fmt: skip
        return
    table = Table(title=f"who can {action} on {resource}")
    for column in ("principal", "decision", "reason"):
        table.add_column(column)
    for entry in found:
        table.add_row(entry.principal, entry.decision, entry.reason)
    stdout.print(table)
    if not found:
        stdout.print("no principal of the snapshot is allowed")


_FAIL_ON = ("error", "security_warning", "warning", "suggestion", "none")


def _validate_file(
    path: Path, policy_type: str, resource_type: str | None
) -> list[ValidationFinding]:
    """One file's findings; a missing or non-JSON file is a user error (exit 2)."""
    from cloudwarden.iam.validate import ValidationInputError, validate_policy

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read policy file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    try:
        findings = validate_policy(text, policy_type, resource_type)
    except ValidationInputError as exc:
        raise UserError(str(exc)) from None
    broken = [f for f in findings if f.code == "JSON_SYNTAX_ERROR"]
    if broken:
        raise UserError(f"{path}: {broken[0].message}")
    if any(f.code == "DATA_TYPE_MISMATCH" and not f.path for f in findings):
        raise UserError(f"{path}: a policy must be a JSON object")
    return findings


def _print_checks() -> None:
    from cloudwarden.iam.validate import all_checks

    for check in all_checks():
        origin = "" if check.aws else "  (cloudwarden)"
        print(f"{check.code:<58} {check.category.value:<17}{check.description}{origin}")


def _write_atomic(target: Path, payload: bytes) -> None:
    """Never a half file: see :func:`cloudwarden.fileio.write_atomic`."""
    try:
        write_atomic(target, payload)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None


@app.command("validate")
def validate_command(
    files: Annotated[list[Path] | None, typer.Argument(help="Policy JSON files.")] = None,
    policy_type: Annotated[
        str, typer.Option("--type", help="identity, resource, scp, rcp or trust.")
    ] = "identity",
    resource_type: Annotated[
        str | None,
        typer.Option(help="Resource policies: the resource type, e.g. s3:bucket, kms:key."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    fail_on: Annotated[
        str,
        typer.Option(help="Exit 1 at this category or worse: " + ", ".join(_FAIL_ON) + "."),
    ] = "security_warning",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
    list_checks: Annotated[
        bool, typer.Option("--list-checks", help="List every check code and category.")
    ] = False,
) -> None:
    """Validate policy files like IAM Access Analyzer: errors, security warnings, warnings
    and suggestions, each with a code, the JSON path and a fix."""
    from cloudwarden import __version__
    from cloudwarden.iam.validate import Category, all_checks
    from cloudwarden.iam.validate.output import (
        FileResult,
        render_json,
        render_sarif,
        render_text,
    )

    if list_checks:
        _print_checks()
        return
    if not files:
        raise UserError("give at least one policy file (or --list-checks)")
    if output_format not in ("text", "json", "sarif"):
        raise UserError(f"--format must be text, json or sarif, not {output_format!r}")
    threshold = fail_on.lower().replace("-", "_")
    if threshold not in _FAIL_ON:
        raise UserError(f"--fail-on must be one of {', '.join(_FAIL_ON)}, not {fail_on!r}")
    results = [
        FileResult(str(path), tuple(_validate_file(path, policy_type, resource_type)))
        for path in files
    ]
    if output_format == "text":
        payload = render_text(results).encode()
    elif output_format == "json":
        payload = render_json(results)
    else:
        payload = render_sarif(results, all_checks(), __version__)
    if output is not None:
        _write_atomic(output, payload)
    else:
        sys.stdout.write(payload.decode())
        sys.stdout.flush()
    if threshold == "none":
        return
    rank = Category(threshold.upper()).rank
    if any(f.category.rank >= rank for r in results for f in r.findings):
        raise SystemExit(1)


@app.command("access")
def access(
    snapshot: Annotated[Path, typer.Option(help="A collected snapshot (gzip JSON).")],
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    unused_days: Annotated[
        int, typer.Option(help="Report users, keys and roles idle this many days.")
    ] = 90,
    db: Annotated[Path | None, typer.Option(help="Also record the findings in this store.")] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write an HTML report with an access section.")
    ] = None,
) -> None:
    """Who outside each account or organisation can act on its resources (with a witness
    request for each), and which users, keys and roles are unused."""
    from cloudwarden.iam.access import analyse_snapshot
    from cloudwarden.iam.access.report import access_section
    from cloudwarden.iam.access.text import render_text

    if output_format not in ("text", "json"):
        raise UserError(f"--format must be text or json, not {output_format!r}")
    if unused_days < 1:
        raise UserError("--unused-days must be at least 1")
    loaded = Snapshot.load(snapshot)
    try:
        analysis = analyse_snapshot(loaded, unused_days)
    except AccountDataError as exc:
        raise UserError(str(exc)) from None
    findings = analysis.findings()
    if db is not None or html is not None:
        from cloudwarden.report import ReportContext, ReportError, get_renderer, write_output
        from cloudwarden.store import RunMeta, Store, StoreError, snapshot_meta

        section = access_section(analysis.external, analysis.unused, unused_days)
        accounts = tuple(a.id for a in loaded.accounts)
        try:
            if db is not None:
                with Store.open(db) as store:
                    meta = RunMeta(kind="iam-access", accounts=accounts,
                                   snapshot=snapshot_meta(loaded))  # fmt: skip
                    store.record_run(findings, meta)
            if html is not None:
                context = ReportContext(accounts=accounts, extra_sections=(section,),
                                        snapshot_created_at=loaded.created_at)  # fmt: skip
                write_output(get_renderer("html"), findings, context, html)
        except (StoreError, ReportError) as exc:
            raise UserError(str(exc)) from None
    if output_format == "json":
        print(orjson.dumps(analysis.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        sys.stdout.write(render_text(analysis))
    sys.stdout.flush()


@app.command("analyze")
def analyze_command(
    snapshot: Annotated[Path | None, typer.Option(help="A collected snapshot (gzip JSON).")] = None,
    authorization_details: Annotated[
        Path | None,
        typer.Option(help="Output of aws iam get-account-authorization-details (JSON)."),
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Only this account's principals (snapshot).")
    ] = None,
    technique: Annotated[
        list[str], typer.Option(help="Only this technique (id, R<row>); repeatable.")
    ] = [],  # noqa: B006
    risky: Annotated[bool, typer.Option(help="Also list risky capabilities.")] = True,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Effective admins, privilege-escalation paths (hop by hop, with the statements that
    allow each hop), the role-assumption graph and risky capabilities of an account."""
    from cloudwarden.iam.analysis import (
        AuthorizationDetailsError,
        account_data_from_snapshot,
        analyze,
        load_authorization_details,
    )
    from cloudwarden.iam.analysis.text import render_text

    if (snapshot is None) == (authorization_details is None):
        raise UserError("give exactly one of --snapshot or --authorization-details")
    if output_format not in ("text", "json"):
        raise UserError(f"--format must be text or json, not {output_format!r}")
    try:
        if snapshot is not None:
            data = account_data_from_snapshot(Snapshot.load(snapshot), account)
        else:
            assert authorization_details is not None
            data = load_authorization_details(authorization_details)
        result = analyze(data, techniques=technique or None, risky=risky)
    except (AuthorizationDetailsError, AccountDataError, KeyError) as exc:
        raise UserError(str(exc).strip("'\"")) from None
    if output_format == "json":
        payload = orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"
    else:
        payload = render_text(result).encode()
    if output is not None:
        _write_atomic(output, payload)
    else:
        sys.stdout.write(payload.decode())
        sys.stdout.flush()


# --- custom policy checks (z3): check-no-new-access, check-access-not-granted,
# check-no-public-access. Exit 0 PASS, 1 FAIL (the witness is printed), 2 bad input,
# 3 UNKNOWN (the reason is printed).

_CHECK_EXIT = {"PASS": 0, "FAIL": 1, "UNKNOWN": 3}
PolicyArg = Annotated[Path, typer.Argument(help="Policy JSON file.")]
CheckTypeOpt = Annotated[
    str, typer.Option("--type", help="identity or resource (a resource-based policy).")
]
CheckResourceTypeOpt = Annotated[
    str | None,
    typer.Option(help="Resource policies: the resource type, e.g. AWS::S3::Bucket, kms:key."),
]
CheckFormatOpt = Annotated[str, typer.Option("--format", help="text or json.")]


def _check_format(output_format: str) -> None:
    if output_format not in ("text", "json"):
        raise UserError(f"--format must be text or json, not {output_format!r}")


def _run_check(name: str, run: Any, output_format: str) -> None:
    """Run one check, print its result and exit with its status; a witness the engine
    does not confirm is reported as UNKNOWN (it would be a bug of the encoding)."""
    from cloudwarden.iam.smt import CheckInputError, CheckResult, WitnessRejectedError

    try:
        result: CheckResult = run()
    except CheckInputError as exc:
        raise UserError(str(exc)) from None
    except WitnessRejectedError as exc:
        result = CheckResult(
            name, "UNKNOWN", "the witness was not confirmed by the engine", None, str(exc)
        )
    if output_format == "json":
        print(orjson.dumps(result.to_dict()).decode())
    else:
        _print_check(result)
    raise SystemExit(_CHECK_EXIT[result.result])


def _print_check(result: Any) -> None:
    colour = {"PASS": "green", "FAIL": "red", "UNKNOWN": "yellow"}[result.result]
    stdout.print(f"[bold {colour}]{result.result}[/bold {colour}]: {result.message}")
    if result.reason:
        stdout.print(f"  reason: {result.reason}", highlight=False, soft_wrap=True)
    w = result.witness
    if w is None:
        return
    stdout.print("  witness (confirmed allowed by the engine):", highlight=False, soft_wrap=True)
    stdout.print(f"    principal: {w.principal}", highlight=False, soft_wrap=True)
    stdout.print(f"    action:    {w.action}", highlight=False, soft_wrap=True)
    stdout.print(
        f"    resource:  {w.resource} (account {w.resource_account})",
        highlight=False,
        soft_wrap=True,
    )
    for key, value in w.context.items():
        shown = value if isinstance(value, str) else "[" + ", ".join(value) + "]"
        stdout.print(f"    context:   {key} = {shown}", highlight=False, soft_wrap=True)


@app.command("check-no-new-access")
def check_no_new_access_command(
    new: PolicyArg,
    reference: Annotated[Path, typer.Option(help="The reference (existing) policy file.")],
    policy_type: CheckTypeOpt = "identity",
    resource_type: CheckResourceTypeOpt = None,
    output_format: CheckFormatOpt = "text",
) -> None:
    """Does NEW allow any request that the --reference policy does not? Exact (z3); a FAIL
    shows a request NEW allows and the reference denies."""
    from cloudwarden.iam.smt import check_no_new_access

    _check_format(output_format)
    new_policy, old_policy = _read_policy(new), _read_policy(reference)
    _run_check(
        "check-no-new-access",
        lambda: check_no_new_access(
            new_policy, old_policy, policy_type=policy_type, resource_type=resource_type
        ),
        output_format,
    )


@app.command("check-access-not-granted")
def check_access_not_granted_command(
    policy: PolicyArg,
    action: Annotated[list[str], typer.Option(help="service:Action (repeatable).")],
    resource: Annotated[
        list[str], typer.Option(help="Resource ARN (repeatable); default: any.")
    ] = [],  # noqa: B006
    policy_type: CheckTypeOpt = "identity",
    resource_type: CheckResourceTypeOpt = None,
    output_format: CheckFormatOpt = "text",
) -> None:
    """Does POLICY allow any of the --action values (on any --resource given)? Exact (z3);
    a FAIL shows an allowed request."""
    from cloudwarden.iam.smt import check_access_not_granted

    _check_format(output_format)
    parsed = _read_policy(policy)
    _run_check(
        "check-access-not-granted",
        lambda: check_access_not_granted(
            parsed, action, resource, policy_type=policy_type, resource_type=resource_type
        ),
        output_format,
    )


@app.command("check-no-public-access")
def check_no_public_access_command(
    policy: PolicyArg,
    resource_type: Annotated[
        str, typer.Option(help="The resource type, e.g. AWS::S3::Bucket, kms:key.")
    ],
    output_format: CheckFormatOpt = "text",
) -> None:
    """Can this resource policy allow an anonymous caller or one from an account it does
    not name? Exact (z3); a FAIL shows such a request."""
    from cloudwarden.iam.smt import check_no_public_access

    _check_format(output_format)
    parsed = _read_policy(policy)
    _run_check(
        "check-no-public-access",
        lambda: check_no_public_access(parsed, resource_type),
        output_format,
    )
