"""Analysis results as Findings (source ``iam``, area identity & access).

One FAIL finding per escalation path (on the principal that can escalate), per
effective admin, per risky category of a non-admin principal, and per role that trusts
another account or everyone. Ids are stable across runs (``stable_finding_id`` of the
kind, account and principal), so runs diff: a path that disappears is resolved.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.iam.analysis.records import ADMIN, Analysis
from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Remediation,
    Severity,
    Status,
    stable_finding_id,
)

__all__ = ["analysis_findings"]

_GLOBAL = "global"
_LEAST_PRIVILEGE = ("SEC03-BP02", "SEC03-BP04")


def _account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _type(arn: str) -> str:
    return "AWS::IAM::Role" if ":role/" in arn else "AWS::IAM::User"


def _finding(
    kind: str,
    arn: str,
    title: str,
    severity: Severity,
    reason: str,
    evidence: dict[str, Any],
    wa: tuple[str, ...] = _LEAST_PRIVILEGE,
    remediation: str = "",
    key: str = "",
) -> Finding:
    account = _account(arn)
    return Finding(
        id=stable_finding_id(f"iam:{kind}", account, _GLOBAL, arn + key),
        source=FindingSource.IAM,
        source_id=kind,
        title=title,
        status=Status.FAIL,
        severity=severity,
        area=Area.IDENTITY,
        account=account,
        region=_GLOBAL,
        resource_arn=arn,
        resource_type=_type(arn),
        status_reason=reason,
        wa_ids=wa,
        remediation=Remediation(text=remediation) if remediation else None,
        evidence=evidence,
    )


def analysis_findings(analysis: Analysis, account: str | None = None) -> list[Finding]:
    """The findings of ``analysis`` (only those of ``account`` when given)."""
    out: list[Finding] = []
    for path in analysis.paths:
        hops = " → ".join(h.technique for h in path.hops)
        reaches = "admin" if path.reaches == ADMIN else path.reaches
        out.append(
            _finding(
                "iam_privilege_escalation_path",
                path.principal,
                "Principal can escalate to admin",
                Severity.CRITICAL if len(path.hops) == 1 else Severity.HIGH,
                f"{len(path.hops)} hop(s) to {reaches}: {hops}",
                path.to_dict(),
                remediation="Remove or scope the permissions of the first hop (see evidence), "
                "or cap the principal with a permissions boundary or an SCP.",
            )
        )
    for admin in analysis.admins:
        out.append(
            _finding(
                "iam_effective_admin",
                admin.principal,
                "Principal is an effective admin",
                Severity.MEDIUM,
                "allowed * on * (or the equivalent) by " + (", ".join(admin.statements) or "?"),
                {"statements": admin.statements},
                remediation="Keep admin rights to a few break-glass principals.",
            )
        )
    admins = {a.principal for a in analysis.admins}
    for risk in analysis.risky:
        if risk.principal in admins:
            continue
        out.append(
            _finding(
                f"iam_risky_{risk.category}",
                risk.principal,
                f"Principal has unrestricted {risk.category.replace('_', ' ')} actions",
                Severity.LOW if risk.category != "privilege_escalation" else Severity.MEDIUM,
                f"{risk.count} action(s) allowed on *: {', '.join(risk.actions[:5])}",
                risk.to_dict(),
                remediation="Scope these actions to the resources the principal needs.",
            )
        )
    for trust in analysis.role_graph:
        if not trust.cross_account or trust.kind not in ("account", "principal", "everyone"):
            continue
        out.append(
            _finding(
                "iam_role_cross_account_trust",
                trust.role,
                "Role trusts another account"
                if trust.kind != "everyone"
                else "Role trusts everyone",
                Severity.HIGH
                if trust.kind == "everyone" and not trust.conditional
                else Severity.LOW,
                f"trust policy names {trust.trusted}"
                + (" (with conditions)" if trust.conditional else ""),
                trust.to_dict(),
                wa=("SEC03-BP07",),
                key=f"|{trust.trusted}",
            )
        )
    if account is not None:
        out = [f for f in out if f.account == account]
    unique: dict[str, Finding] = {}
    for f in out:
        unique.setdefault(f.id, f)
    return list(unique.values())
