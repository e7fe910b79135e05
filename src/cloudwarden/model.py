"""The records every part of cloudwarden shares.

``model`` depends on nothing else in the package: inventory produces ``Resource``
records, checks / IAM analysis / detection produce ``Finding`` records, and the
store and the renderers consume them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """Outcome of evaluating one resource. NOT_ASSESSED always carries a reason."""

    PASS = "PASS"
    FAIL = "FAIL"
    NOT_ASSESSED = "NOT_ASSESSED"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and for ``--fail-on`` gates."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


_SEVERITY_RANK = {
    Severity.INFORMATIONAL: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Area(StrEnum):
    """The five areas of the Well-Architected Security Pillar that cloudwarden covers."""

    IDENTITY = "identity_access"
    DETECTION = "detection"
    INFRASTRUCTURE = "infrastructure_protection"
    DATA = "data_protection"
    INCIDENT_RESPONSE = "incident_response"

    @property
    def label(self) -> str:
        """The area's name as the pillar writes it."""
        return _AREA_TITLES[self]


_AREA_TITLES = {
    Area.IDENTITY: "Identity & access",
    Area.DETECTION: "Detection",
    Area.INFRASTRUCTURE: "Infrastructure protection",
    Area.DATA: "Data protection",
    Area.INCIDENT_RESPONSE: "Incident response",
}


class FindingSource(StrEnum):
    CHECK = "check"
    IAM = "iam"
    RULE = "rule"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Resource(_Frozen):
    """One AWS resource exactly as AWS described it (``data``), plus where it lives.

    ``region`` is ``"global"`` for global services (IAM, Organizations, account-level
    settings). ``type`` uses CloudFormation-style names (``AWS::S3::Bucket``); account
    settings that have no CloudFormation type get a cloudwarden one under the
    service's namespace (``AWS::IAM::PasswordPolicy``).
    """

    arn: str
    type: str
    account: str
    region: str
    id: str
    name: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    collected_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Remediation(_Frozen):
    text: str
    console: str = ""
    cli: str = ""
    url: str = ""


class Control(_Frozen):
    """A Well-Architected best practice (``SEC03-BP07``) or a CIS control (``cis:2.10``)."""

    id: str
    framework: str
    title: str
    section: str = ""
    risk: str = ""


def stable_finding_id(source_id: str, account: str, region: str, resource: str) -> str:
    """Same inputs, same id, across runs: this is what makes runs diffable."""
    raw = "\x1f".join((source_id, account, region, resource))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class Finding(_Frozen):
    """The one output record of checks, IAM analysis and detection rules."""

    id: str
    source: FindingSource
    source_id: str
    title: str
    status: Status
    severity: Severity
    area: Area
    account: str
    region: str
    resource_arn: str
    resource_type: str
    status_reason: str
    wa_ids: tuple[str, ...] = ()
    cis_ids: tuple[str, ...] = ()
    remediation: Remediation | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    observed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


class RunStep(_Frozen):
    """One step of a playbook run: the call it made, what was there before, what came back."""

    name: str
    action: str
    phase: str
    api_call: str
    before_state: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)
    status: str = "pending"
    reversible: bool = False


class Run(_Frozen):
    """One playbook execution for one finding or alert."""

    id: str
    playbook: str
    finding_id: str
    mode: str
    started_at: datetime
    steps: tuple[RunStep, ...] = ()
    status: str = "running"
