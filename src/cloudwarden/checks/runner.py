"""Run checks over a snapshot and turn their results into Findings.

Pure: no AWS calls. Where the data a check needs could not be collected, the
runner reports NOT_ASSESSED with the collection error's reason; where a check
itself raises, its scope is NOT_ASSESSED with the error, and the other checks go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from cloudwarden.checks.api import CHECKS, Check, CheckContext, CheckResult, scope_arn, service_of
from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from cloudwarden.model import Finding, FindingSource, Severity, Status, stable_finding_id
from cloudwarden.registry import load_builtin, load_entry_points

_loaded = False


def all_checks() -> list[Check]:
    """Every registered check: the builtin package and the ``cloudwarden.checks`` entry point."""
    global _loaded
    if not _loaded:
        load_builtin("cloudwarden.checks.builtin")
        load_entry_points("cloudwarden.checks")
        _loaded = True
    return [c for _, c in CHECKS.items()]


def select_checks(
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    areas: Sequence[str] = (),
    min_severity: Severity | None = None,
) -> list[Check]:
    """Filter checks by id glob (``s3_*``), area and minimum severity."""
    chosen = []
    for c in all_checks():
        if include and not any(fnmatchcase(c.id, p) for p in include):
            continue
        if any(fnmatchcase(c.id, p) for p in exclude):
            continue
        if areas and c.meta.area.value not in areas:
            continue
        if min_severity is not None and c.meta.severity.rank < min_severity.rank:
            continue
        chosen.append(c)
    return chosen


def run_check(snapshot: Snapshot, chk: Check) -> list[Finding]:
    ctx = CheckContext(snapshot, chk.meta)
    findings = [_to_finding(chk, r) for r in _missing_data_results(snapshot, chk)]
    try:
        results = list(chk.func(ctx))
    except Exception as exc:  # one broken check must not sink the scan
        reason = f"check failed: {type(exc).__name__}: {exc}"
        service = service_of(chk.meta.resource_type)
        results = [
            CheckResult(
                Status.NOT_ASSESSED, a, r, scope_arn(snapshot.partition, service, a, r), reason
            )
            for a, r in snapshot.scopes(regional=chk.meta.regional)
        ]
    findings.extend(_to_finding(chk, r) for r in results)
    return findings


def run_checks(snapshot: Snapshot, checks: Iterable[Check] | None = None) -> list[Finding]:
    chosen = list(checks) if checks is not None else all_checks()
    findings: list[Finding] = []
    for chk in chosen:
        findings.extend(run_check(snapshot, chk))
    return findings


def _missing_data_results(snapshot: Snapshot, chk: Check) -> list[CheckResult]:
    """NOT_ASSESSED, once per scope, wherever a type the check reads was not collected."""
    wanted = (chk.meta.resource_type, *chk.meta.requires)
    seen: set[tuple[str, str]] = set()
    out = []
    for err in snapshot.errors:
        if not any(t in err.resource_types for t in wanted):
            continue
        key = (err.account, err.region)
        if key in seen:
            continue
        seen.add(key)
        reason = f"{err.service}:{err.operation} failed: {err.code}: {err.reason}"
        arn = scope_arn(
            snapshot.partition, service_of(chk.meta.resource_type), err.account, err.region
        )
        out.append(CheckResult(Status.NOT_ASSESSED, err.account, err.region, arn, reason))
    return out


def _to_finding(chk: Check, r: CheckResult) -> Finding:
    m = chk.meta
    region = r.region or GLOBAL
    return Finding(
        id=stable_finding_id(m.id, r.account, region, r.resource_arn),
        source=FindingSource.CHECK,
        source_id=m.id,
        title=m.title,
        status=r.status,
        severity=m.severity,
        area=m.area,
        account=r.account,
        region=region,
        resource_arn=r.resource_arn,
        resource_type=m.resource_type,
        status_reason=r.reason,
        wa_ids=m.wa_ids,
        cis_ids=m.cis_ids,
        remediation=m.remediation,
        evidence=r.evidence,
    )
