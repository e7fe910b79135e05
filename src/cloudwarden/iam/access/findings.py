"""External and unused access as ``Finding`` records (area: identity & access).

Every analysed resource gets one finding per zone of trust, each id stating the good
condition:

* ``iam_access_not_public`` — no one outside the account and its organisation, without
  being named, can act (anonymous callers, any AWS account);
* ``iam_access_not_shared_outside_org`` — no named account, principal, federated
  identity or service acting for another account outside the organisation can act;
* ``iam_access_shared_only_within_org`` — other accounts of the organisation
  (informational: sharing inside the organisation is usually intended, and listed so
  it can be reviewed).

FAIL carries every access of that zone with its witness request; with no access found
the finding is PASS, or NOT_ASSESSED with the reasons when the candidate set could not
cover the policy exactly. Unused access gives ``iam_user_used_recently``,
``iam_password_used_recently``, ``iam_access_key_used_recently`` and
``iam_role_used_recently`` per user, credential and role.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from cloudwarden.iam.access.external import ExternalAccess, ResourceAccess, Scope
from cloudwarden.iam.access.unused import UnusedAccess
from cloudwarden.model import (
    Area,
    Finding,
    FindingSource,
    Remediation,
    Severity,
    Status,
    stable_finding_id,
)

__all__ = ["access_findings", "unused_findings"]

_ZONES: dict[Scope, tuple[str, str, tuple[str, ...]]] = {
    "public": ("iam_access_not_public", "Resource is not accessible to the public",
               ("SEC03-BP07",)),
    "outside_org": ("iam_access_not_shared_outside_org",
                    "Resource is not shared outside the organisation",
                    ("SEC03-BP07", "SEC03-BP08")),
    "in_org": ("iam_access_shared_only_within_org",
               "Resource shared with other accounts of the organisation is reviewed",
               ("SEC03-BP08",)),
}  # fmt: skip
_REMEDIATION = Remediation(
    text=(
        "Remove the statements (or ACL grants) that let the listed outsiders in, or pin "
        "them with conditions on aws:PrincipalOrgID, aws:SourceAccount / aws:SourceArn "
        "or aws:SourceVpce; for S3 turn on Block Public Access. The witness request shows "
        "one request that works today."
    ),
    url="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html",
)
_UNUSED_REMEDIATION = Remediation(
    text=(
        "Access nobody uses still works for whoever finds it. Deactivate idle access keys, "
        "remove idle console passwords, and delete users and roles idle for the period."
    ),
    url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html",
)


def _severity(scope: Scope, accesses: tuple[ExternalAccess, ...]) -> Severity:
    open_door = any(not a.conditions for a in accesses)
    if scope == "public":
        return Severity.CRITICAL if open_door else Severity.HIGH
    if scope == "outside_org":
        return Severity.HIGH if open_door else Severity.MEDIUM
    return Severity.INFORMATIONAL


def _sentence(a: ExternalAccess) -> str:
    needs = f" when {', '.join(a.conditions)} match the policy" if a.conditions else ""
    via = " (bucket ACL)" if a.via == "acl" else ""
    return f"{a.grantee} can {', '.join(a.actions[:4])}{' …' if len(a.actions) > 4 else ''}{via}{needs}"


def access_findings(
    results: Iterable[ResourceAccess], observed_at: datetime | None = None
) -> list[Finding]:
    """Three findings per analysed resource, one per zone of trust."""
    when = observed_at or datetime.now(UTC)
    out: list[Finding] = []
    for r in results:
        for scope, (source_id, title, wa) in _ZONES.items():
            found = r.scoped(scope)
            if found:
                status, reason = Status.FAIL, "; ".join(_sentence(a) for a in found)
                severity = _severity(scope, found)
            elif r.unknown:
                status, reason = Status.NOT_ASSESSED, "; ".join(r.unknown)
                severity = Severity.INFORMATIONAL if scope == "in_org" else Severity.MEDIUM
            else:
                status, reason = (
                    Status.PASS,
                    f"no {scope.replace('_', ' ')} access in {r.requests} candidate requests",
                )
                severity = _severity(scope, ())
            out.append(Finding(
                id=stable_finding_id(source_id, r.account, r.region, r.arn),
                source=FindingSource.IAM, source_id=source_id, title=title, status=status,
                severity=severity, area=Area.IDENTITY, account=r.account, region=r.region,
                resource_arn=r.arn, resource_type=r.resource_type, status_reason=reason,
                wa_ids=wa, remediation=_REMEDIATION if status is Status.FAIL else None,
                evidence={"accesses": [a.to_dict() for a in found], "unknown": list(r.unknown),
                          "notes": list(r.notes), "candidate_requests": r.requests},
                observed_at=when,
            ))  # fmt: skip
    return out


_UNUSED_IDS = {
    "user": ("iam_user_used_recently", "IAM user was used recently", "AWS::IAM::User"),
    "password": ("iam_password_used_recently", "Console password was used recently",
                 "AWS::IAM::User"),
    "access_key": ("iam_access_key_used_recently", "Access key was used recently",
                   "AWS::IAM::User"),
    "role": ("iam_role_used_recently", "IAM role was used recently", "AWS::IAM::Role"),
}  # fmt: skip


def unused_findings(
    items: Iterable[UnusedAccess], days: int, observed_at: datetime | None = None
) -> list[Finding]:
    """One finding per user, credential and role: FAIL when idle ``days`` or more."""
    when = observed_at or datetime.now(UTC)
    out: list[Finding] = []
    for u in items:
        source_id, title, rtype = _UNUSED_IDS[u.kind]
        if u.idle_days is None:
            status = Status.NOT_ASSESSED
        else:
            status = Status.FAIL if u.unused else Status.PASS
        severity = Severity.MEDIUM if u.kind == "access_key" else Severity.LOW
        # one finding per credential: the credential's name keeps the ids apart
        key = u.arn if u.kind in ("user", "role") else f"{u.arn}#{u.name}"
        out.append(Finding(
            id=stable_finding_id(source_id, u.account, "global", key),
            source=FindingSource.IAM, source_id=source_id, title=title, status=status,
            severity=severity, area=Area.IDENTITY, account=u.account, region="global",
            resource_arn=u.arn, resource_type=rtype,
            status_reason=f"{u.name}: {u.reason} (threshold {days} days)",
            wa_ids=("SEC02-BP05", "SEC03-BP04", "SEC03-BP06"),
            remediation=_UNUSED_REMEDIATION if status is Status.FAIL else None,
            evidence=u.to_dict(), observed_at=when,
        ))  # fmt: skip
    return out
