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

from cloudwarden.cli import iam_tools
from cloudwarden.cli.common import UserError, stdout
from cloudwarden.cli.iam_tools import read_policy as _read_policy
from cloudwarden.iam import Decision, PolicySet, Request, evaluate, run_batch
from cloudwarden.iam.account import AccountDataError, AccountPolicies, principal_context, who_can
from cloudwarden.iam.explain import Explanation, LayerExplanation, StatementResult
from cloudwarden.iam.policy import Policy
from cloudwarden.inventory.snapshot import Snapshot

if TYPE_CHECKING:
    pass

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


iam_tools.register(app)
