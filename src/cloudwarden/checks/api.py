"""How a check is written: one function, its metadata beside it, registered by decorator.

A check reads a :class:`~cloudwarden.inventory.snapshot.Snapshot` and yields one
result per resource (or per account/region scope). Its id is its function name,
which must equal its module's file name; its docstring is its documentation.

    @check(
        title="S3 buckets block public access",
        severity=Severity.HIGH,
        area=Area.DATA,
        resource_type="AWS::S3::Bucket",
        wa=("SEC03-BP07",),
        cis=("3.1.4",),
        permissions=("s3:GetBucketPublicAccessBlock",),
        remediation=Remediation(text="...", cli="aws s3api put-public-access-block ..."),
    )
    def s3_bucket_public_access_blocked(ctx: CheckContext) -> Results:
        for bucket in ctx.resources():
            ...
            yield ctx.failed(bucket, "BlockPublicPolicy is off")
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.inventory.snapshot import GLOBAL, Snapshot
from cloudwarden.model import Area, Remediation, Resource, Severity, Status
from cloudwarden.registry import Registry


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: Status
    account: str
    region: str
    resource_arn: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


Results = Iterator[CheckResult]
CheckFunc = Callable[["CheckContext"], Iterable[CheckResult]]


@dataclass(frozen=True, slots=True)
class CheckMeta:
    id: str
    title: str
    severity: Severity
    area: Area
    resource_type: str
    wa_ids: tuple[str, ...]
    cis_ids: tuple[str, ...]
    permissions: tuple[str, ...]
    remediation: Remediation
    description: str
    references: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    regional: bool = True


@dataclass(frozen=True, slots=True)
class Check:
    meta: CheckMeta
    func: CheckFunc
    module: str

    @property
    def id(self) -> str:
        return self.meta.id


CHECKS: Registry[Check] = Registry("check")


def check(
    *,
    title: str,
    severity: Severity,
    area: Area,
    resource_type: str,
    wa: tuple[str, ...],
    permissions: tuple[str, ...],
    remediation: Remediation,
    cis: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    requires: tuple[str, ...] = (),
    regional: bool = True,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check.

    ``requires`` lists further resource types the check reads besides
    ``resource_type``: when any of them could not be collected in a scope, the
    runner reports NOT_ASSESSED there instead of running the check on partial data.
    ``regional`` says whether the check's scope is each region or the account
    as a whole (``global``), which decides how scope-level results are reported.
    """

    def register(func: CheckFunc) -> CheckFunc:
        doc = inspect.getdoc(func) or ""
        meta = CheckMeta(
            id=func.__name__,
            title=title,
            severity=severity,
            area=area,
            resource_type=resource_type,
            wa_ids=tuple(wa),
            cis_ids=tuple(cis),
            permissions=tuple(permissions),
            remediation=remediation,
            description=doc,
            references=tuple(references),
            requires=tuple(requires),
            regional=regional,
        )
        CHECKS.add(meta.id, Check(meta=meta, func=func, module=func.__module__))
        return func

    return register


class CheckContext:
    """What a check sees: the snapshot, and constructors for its results."""

    def __init__(self, snapshot: Snapshot, meta: CheckMeta) -> None:
        self.snapshot = snapshot
        self.meta = meta
        self._blocked = {
            (err.account, err.region)
            for rtype in (meta.resource_type, *meta.requires)
            for err in snapshot.errors
            if rtype in err.resource_types
        }

    # -- reading -------------------------------------------------------------
    def resources(self, rtype: str | None = None) -> list[Resource]:
        """Resources of the check's type (or ``rtype``) in scopes collected cleanly."""
        found = self.snapshot.of_type(rtype or self.meta.resource_type)
        return [r for r in found if not self.blocked(r.account, r.region)]

    def blocked(self, account: str, region: str) -> bool:
        return (account, region) in self._blocked or (account, GLOBAL) in self._blocked

    def scopes(self) -> Iterator[tuple[str, str]]:
        """(account, region) pairs to assess, skipping those whose data is missing."""
        for account, region in self.snapshot.scopes(regional=self.meta.regional):
            if not self.blocked(account, region):
                yield account, region

    def related(self, rtype: str, account: str, region: str | None = None) -> list[Resource]:
        return self.snapshot.of_type(rtype, account=account, region=region)

    # -- results -------------------------------------------------------------
    def passed(self, resource: Resource, reason: str, **evidence: Any) -> CheckResult:
        return self._result(Status.PASS, resource, reason, evidence)

    def failed(self, resource: Resource, reason: str, **evidence: Any) -> CheckResult:
        return self._result(Status.FAIL, resource, reason, evidence)

    def not_assessed(self, resource: Resource, reason: str, **evidence: Any) -> CheckResult:
        return self._result(Status.NOT_ASSESSED, resource, reason, evidence)

    def scope_result(
        self,
        status: Status,
        account: str,
        region: str,
        reason: str,
        arn: str | None = None,
        **evidence: Any,
    ) -> CheckResult:
        """A result about an account or a region as a whole (e.g. "GuardDuty is off here")."""
        service = service_of(self.meta.resource_type)
        target = arn or scope_arn(self.snapshot.partition, service, account, region)
        return CheckResult(status, account, region, target, reason, evidence)

    def _result(
        self, status: Status, resource: Resource, reason: str, evidence: dict[str, Any]
    ) -> CheckResult:
        return CheckResult(
            status, resource.account, resource.region, resource.arn, reason, evidence
        )


def service_of(resource_type: str) -> str:
    """``AWS::GuardDuty::Detector`` -> ``guardduty``."""
    parts = resource_type.split("::")
    return parts[1].lower() if len(parts) > 1 else resource_type.lower()


def scope_arn(partition: str, service: str, account: str, region: str) -> str:
    """The ARN we name when a result is about an account or a region as a whole.

    ``arn:aws:guardduty:eu-west-1:123456789012:account`` reads "GuardDuty, for this
    account, in eu-west-1"; the region part is empty for account-wide results.
    """
    reg = "" if region in (GLOBAL, "*") else region
    return f"arn:{partition}:{service}:{reg}:{account}:account"
