"""The ``cloudwarden iam`` commands built on the engine: policy validation (``validate``),
the z3 custom checks (``check-*``), account analysis (``analyze``) and external / unused
access (``access``). ``cloudwarden.cli.iam`` registers them on its sub-app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from cloudwarden.cli.common import UserError, stdout
from cloudwarden.fileio import write_atomic
from cloudwarden.iam import parse_policy
from cloudwarden.iam.account import AccountDataError
from cloudwarden.iam.errors import PolicyParseError
from cloudwarden.iam.policy import Policy
from cloudwarden.inventory.snapshot import Snapshot

if TYPE_CHECKING:
    from cloudwarden.iam.validate import ValidationFinding


def read_policy(path: Path) -> Policy:
    """One policy file; a missing file or a malformed policy is one clear user error."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read policy file {path}: {exc.strerror}") from None
    try:
        return parse_policy(text)
    except PolicyParseError as exc:
        raise UserError(f"{path}: {exc}") from None


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
    new_policy, old_policy = read_policy(new), read_policy(reference)
    _run_check(
        "check-no-new-access",
        lambda: check_no_new_access(
            new_policy, old_policy, policy_type=policy_type, resource_type=resource_type
        ),
        output_format,
    )


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
    parsed = read_policy(policy)
    _run_check(
        "check-access-not-granted",
        lambda: check_access_not_granted(
            parsed, action, resource, policy_type=policy_type, resource_type=resource_type
        ),
        output_format,
    )


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
    parsed = read_policy(policy)
    _run_check(
        "check-no-public-access",
        lambda: check_no_public_access(parsed, resource_type),
        output_format,
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the ``iam`` sub-app."""
    app.command("validate")(validate_command)
    app.command("access")(access)
    app.command("analyze")(analyze_command)
    app.command("check-no-new-access")(check_no_new_access_command)
    app.command("check-access-not-granted")(check_access_not_granted_command)
    app.command("check-no-public-access")(check_no_public_access_command)
