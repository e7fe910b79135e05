"""The IAM review of a snapshot: the account analysis (effective admins, escalation paths,
risky capabilities, cross-account trusts) and the access analysis (external, public and
unused access), run together, as findings and as the HTML report's IAM sections.

``cloudwarden scan`` and ``cloudwarden demo`` run it on the snapshot they just collected
(or loaded); it is pure and offline like the checks, so a saved snapshot gives the same
findings as the live scan that saved it and runs diff across both.

Cost: it runs after collection and makes no AWS call, so it adds CPU time only. The
account analysis dominates: it asks the policy engine about every principal against every
escalation technique and its targets, so it grows with principals x techniques; the access
analysis grows with the resource policies. On the lab (three accounts, 117 principals,
380 resources) the whole review takes about 1 s, half of it loading the IAM action
catalogue once: small next to the collection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cloudwarden.iam.access import AccessAnalysis, analyse_snapshot
from cloudwarden.iam.access.records import Scope
from cloudwarden.iam.analysis import (
    CATEGORIES,
    Analysis,
    account_data_from_snapshot,
    analysis_findings,
    analyze,
)
from cloudwarden.inventory.snapshot import Snapshot
from cloudwarden.model import Area, Finding, FindingSource, Severity, Status, stable_finding_id
from cloudwarden.report import HtmlSection

__all__ = [
    "REVIEW_ID",
    "REVIEW_KINDS",
    "IamReview",
    "not_assessed",
    "review_iam",
    "review_or_not_assessed",
]

REVIEW_ID = "iam_analysis_completed"
"""The ``source_id`` of the NOT_ASSESSED finding that says why the review is missing."""

REVIEW_KINDS: tuple[str, ...] = (
    "iam_privilege_escalation_path",
    "iam_effective_admin",
    "iam_role_cross_account_trust",
    *(f"iam_risky_{c}" for c in CATEGORIES),
    "iam_access_not_public",
    "iam_access_not_shared_outside_org",
    "iam_access_shared_only_within_org",
    "iam_user_used_recently",
    "iam_password_used_recently",
    "iam_access_key_used_recently",
    "iam_role_used_recently",
    REVIEW_ID,
)
"""Every ``source_id`` the review can produce: what ``--check`` / ``--exclude-check`` match."""

_PRINCIPALS = ("AWS::IAM::User", "AWS::IAM::Role")


@dataclass(frozen=True)
class IamReview:
    """The IAM analysis and the external-access analysis of one snapshot."""

    analysis: Analysis
    access: AccessAnalysis
    seconds: float
    incomplete: tuple[Finding, ...] = ()

    def findings(self) -> list[Finding]:
        """The analyses' findings, plus NOT_ASSESSED where IAM could not be collected."""
        return [*analysis_findings(self.analysis), *self.access.findings(), *self.incomplete]

    @property
    def admins(self) -> int:
        """Principals with effective administrator access, however granted."""
        return len({a.principal for a in self.analysis.admins})

    def exposed(self, scope: Scope) -> int:
        """Resources whose policy grants access at ``scope`` (``public``, ``outside_org``)."""
        return sum(1 for r in self.access.external if r.scoped(scope))

    def sections(self) -> tuple[HtmlSection, ...]:
        """The HTML report's IAM sections: the account analysis, then the access analysis."""
        from cloudwarden.iam.access.report import access_section
        from cloudwarden.iam.analysis.report import analysis_section

        access = self.access
        return (
            analysis_section(self.analysis),
            access_section(access.external, access.unused, access.days),
        )

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"IAM analysis: {self.admins} effective admins, {len(self.analysis.paths)} "
            f"privilege-escalation paths, {len(self.analysis.risky)} risky capabilities; "
            f"{self.exposed('public')} public and {self.exposed('outside_org')} shared outside "
            f"the organisation of {len(self.access.external)} resource policies "
            f"({self.seconds:.1f}s)"
        )


def review_iam(snapshot: Snapshot) -> IamReview:
    """Analyse the principals and the resource policies of ``snapshot``; offline and pure.

    Raises whatever the analyses raise on data they cannot read (``AccountDataError`` for
    a malformed policy); :func:`review_or_not_assessed` turns that into a finding."""
    began = time.monotonic()
    analysis = analyze(account_data_from_snapshot(snapshot))
    access = analyse_snapshot(snapshot)
    return IamReview(analysis, access, time.monotonic() - began, _uncollected(snapshot))


def review_or_not_assessed(snapshot: Snapshot) -> IamReview | list[Finding]:
    """The review, or, when it cannot run, NOT_ASSESSED findings that say why.

    Like one broken check in the runner, a review that fails must not sink the scan nor
    leave the user with a traceback: the reason goes into the findings, where the report,
    the store and the exit code see it."""
    try:
        return review_iam(snapshot)
    except Exception as exc:  # bad data in one policy must not sink the scan
        return not_assessed(snapshot, f"IAM analysis failed: {type(exc).__name__}: {exc}")


def not_assessed(snapshot: Snapshot, reason: str, accounts: tuple[str, ...] = ()) -> list[Finding]:
    """One NOT_ASSESSED finding per account (of ``accounts``, default the snapshot's).

    Per account because a finding belongs to one account: the store's history, its diffs
    and the report's per-account views all key on it."""
    ids = accounts or tuple(a.id for a in snapshot.accounts) or ("",)
    return [
        Finding(
            id=stable_finding_id(REVIEW_ID, account, "global", _scope_arn(snapshot, account)),
            source=FindingSource.IAM,
            source_id=REVIEW_ID,
            title="IAM analysis (admins, escalation paths, external access) completed",
            status=Status.NOT_ASSESSED,
            severity=Severity.HIGH,
            area=Area.IDENTITY,
            account=account,
            region="global",
            resource_arn=_scope_arn(snapshot, account),
            resource_type="AWS::IAM::Account",
            status_reason=reason,
            wa_ids=("SEC03-BP02", "SEC03-BP07"),
        )
        for account in ids
    ]


def _scope_arn(snapshot: Snapshot, account: str) -> str:
    """Like a check's account-wide result: "IAM, for this account"."""
    return f"arn:{snapshot.partition}:iam::{account}:account"


def _uncollected(snapshot: Snapshot) -> tuple[Finding, ...]:
    """NOT_ASSESSED for each account whose users or roles could not be collected: there the
    analysis saw no principal, and "no escalation path" would be a false PASS."""
    out: list[Finding] = []
    seen: set[str] = set()
    for err in snapshot.errors:
        if err.account in seen or not any(t in err.resource_types for t in _PRINCIPALS):
            continue
        seen.add(err.account)
        reason = (
            f"IAM principals not collected ({err.service}:{err.operation} failed: "
            f"{err.code}: {err.reason}); the analysis of this account is incomplete"
        )
        out.extend(not_assessed(snapshot, reason, (err.account,)))
    return tuple(out)
