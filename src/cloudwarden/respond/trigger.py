"""What a run responds to: a stored alert or finding, as the template context sees it.

A run keeps its trigger whole in the journal (``respond_runs.context``), so a run can be
resumed, shown and rolled back after the alert has aged out of the store, and its
post-incident record says what happened in the alert's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.model import Finding
from cloudwarden.respond.routing import incident_from_alert, incident_from_finding

__all__ = ["Trigger", "alert_trigger", "finding_trigger", "resource_name"]


def resource_name(arn: str) -> str:
    """The name or id at the end of an ARN, which is what actions take: a bucket
    (``arn:aws:s3:::name``), ``sg-…``, ``i-…``, a KMS key id, a user, role or trail name."""
    tail = arn.rsplit(":", 1)[-1] if arn.startswith("arn:") else arn
    return tail.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Trigger:
    """``kind`` is ``alert`` or ``finding``; ``key`` identifies the incident across runs."""

    kind: str
    id: str
    account: str
    region: str
    alert: Mapping[str, Any] | None = None
    finding: Mapping[str, Any] | None = None
    incident: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def context(self) -> dict[str, Any]:
        return {
            "alert": dict(self.alert) if self.alert is not None else None,
            "finding": dict(self.finding) if self.finding is not None else None,
            "incident": dict(self.incident),
            "account": self.account,
            "region": self.region,
        }


def alert_trigger(alert: Mapping[str, Any], environment: str = "aws") -> Trigger:
    return Trigger(
        kind="alert",
        id=str(alert.get("alert_id", "")),
        account=str(alert.get("account", "")),
        region=str(alert.get("region", "")),
        alert=dict(alert),
        incident=incident_from_alert(alert, environment=environment),
    )


def finding_trigger(finding: Finding, environment: str = "aws") -> Trigger:
    return Trigger(
        kind="finding",
        id=finding.id,
        account=finding.account,
        region=finding.region,
        finding={
            **finding.model_dump(mode="json"),
            "resource_name": resource_name(finding.resource_arn),
        },
        incident=incident_from_finding(finding, environment=environment),
    )
