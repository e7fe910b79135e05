"""Small helpers the formats share: timestamps, ARN parts, control references, truncation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cloudwarden.controls import CIS, WA, control_id, display_ref
from cloudwarden.model import Finding, Severity, Status

GLOBAL = "global"
WA_STANDARD = "AWS Well-Architected Framework Security Pillar"
CIS_STANDARD = "CIS AWS Foundations Benchmark v7.0.0"
SEVERITY_ORDER = sorted(Severity, key=lambda s: s.rank, reverse=True)


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a ``Z`` (what ASFF and SARIF expect)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc(value).microsecond // 1000:03d}Z"


def epoch_ms(value: datetime) -> int:
    """OCSF ``timestamp_t``: milliseconds since the epoch."""
    return int(utc(value).timestamp() * 1000)


def partition_of(arn: str, default: str = "aws") -> str:
    parts = arn.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else default


def resource_name(arn: str) -> str:
    """The last, human part of an ARN (``bucket-name``, ``sg-0123``, ``account``)."""
    tail = arn.split(":", 5)[-1]
    return tail.rsplit("/", 1)[-1] or tail


def requirement_ids(finding: Finding) -> list[str]:
    """Catalogue ids of what the finding maps to: ``SEC03-BP07``, ``cis:3.1.4``."""
    return [control_id(WA, r) for r in finding.wa_ids] + [
        control_id(CIS, r) for r in finding.cis_ids
    ]


def requirement_labels(finding: Finding) -> list[str]:
    """How people read them: ``SEC03-BP07``, ``CIS 3.1.4``."""
    return [display_ref(cid) for cid in requirement_ids(finding)]


def standards(finding: Finding) -> list[str]:
    out = [WA_STANDARD] if finding.wa_ids else []
    return out + ([CIS_STANDARD] if finding.cis_ids else [])


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, marking a cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_url(url: str) -> str:
    """The URL if it is an http(s) link, else "": keeps ``javascript:`` out of hrefs."""
    return url if url.startswith(("https://", "http://")) else ""


def worst_first(findings: Sequence[Finding]) -> list[Finding]:
    """FAIL before NOT_ASSESSED before PASS, then by severity, check and resource."""
    status_rank = {Status.FAIL: 0, Status.NOT_ASSESSED: 1, Status.PASS: 2}
    return sorted(
        findings,
        key=lambda f: (
            status_rank[f.status],
            -f.severity.rank,
            f.source_id,
            f.account,
            f.region,
            f.resource_arn,
        ),
    )
