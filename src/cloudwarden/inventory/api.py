"""How a collector is written: one function per service, declared once.

    @collector(
        service="kms",
        resource_types=("AWS::KMS::Key",),
        permissions=("kms:ListKeys", "kms:DescribeKey", ...),
    )
    def collect_kms(ctx: CollectContext) -> Iterator[Resource]:
        for key in ctx.paginate("kms", "list_keys", "Keys"):
            ...
            yield ctx.resource("AWS::KMS::Key", arn=..., id=..., data=...)

A collector runs once per (account, region) — or once per account when
``regional=False``. It calls AWS only through ``ctx``, which routes every failure
through :mod:`cloudwarden.aws.errors`: a failed listing call ends the collector
for that scope and is recorded as a :class:`CollectionError` for all its resource
types; a failed detail call (a bucket's policy, say) is kept beside the resource
under ``data["_errors"][<key>]`` so checks can say NOT_ASSESSED for that one part.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.aws.errors import AwsFailure, FailureKind, classify
from cloudwarden.aws.session import AwsContext, paginate
from cloudwarden.inventory.snapshot import GLOBAL, CollectionError
from cloudwarden.model import Resource
from cloudwarden.registry import Registry

CollectFunc = Callable[["CollectContext"], Iterable[Resource]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Collector:
    service: str
    resource_types: tuple[str, ...]
    permissions: tuple[str, ...]
    regional: bool
    func: CollectFunc
    name: str


COLLECTORS: Registry[Collector] = Registry("collector")


def collector(
    *,
    service: str,
    resource_types: tuple[str, ...],
    permissions: tuple[str, ...],
    regional: bool = True,
) -> Callable[[CollectFunc], CollectFunc]:
    def register(func: CollectFunc) -> CollectFunc:
        name = func.__module__.rsplit(".", 1)[-1]
        COLLECTORS.add(
            name,
            Collector(service, tuple(resource_types), tuple(permissions), regional, func, name),
        )
        return func

    return register


class CallFailedError(Exception):
    """A listing call failed; the collector stops for this scope (recorded, not raised further)."""

    def __init__(self, service: str, operation: str, failure: AwsFailure) -> None:
        super().__init__(f"{service}:{operation}: {failure.line()}")
        self.service = service
        self.operation = operation
        self.failure = failure


@dataclass
class CollectContext:
    aws: AwsContext
    account: str
    region: str
    partition: str = "aws"
    collected_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    errors: list[CollectionError] = field(default_factory=list)

    @property
    def api_region(self) -> str:
        """Region to send calls to (global services are called in the default region)."""
        return self.aws.default_region if self.region == GLOBAL else self.region

    def client(self, service: str) -> Any:
        return self.aws.client(service, self.api_region)

    # -- calls ---------------------------------------------------------------
    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """A required call: failure raises CallFailedError (the scope is recorded as missing)."""
        try:
            return getattr(self.client(service), operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise CallFailedError(service, operation, classify(exc)) from None
        except Exception as exc:  # e.g. botocore's ResponseParserError from an emulator
            raise CallFailedError(service, operation, classify(exc)) from None

    def paginate(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        try:
            return paginate(self.client(service), operation, key, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise CallFailedError(service, operation, classify(exc)) from None
        except Exception as exc:
            raise CallFailedError(service, operation, classify(exc)) from None

    def detail(
        self,
        service: str,
        operation: str,
        errors: dict[str, str],
        key: str,
        absent: Iterable[str] = (),
        **kwargs: Any,
    ) -> Any:
        """An optional per-resource call. Returns the response, or None.

        Error codes listed in ``absent`` mean "this resource has none" (e.g.
        ``NoSuchBucketPolicy``) and are not errors; anything else is written to
        ``errors[key]`` as a one-line reason so checks can report NOT_ASSESSED.
        """
        try:
            return getattr(self.client(service), operation)(**kwargs)
        except Exception as exc:
            failure = classify(exc)
            if failure.code in set(absent):
                return None
            if failure.fatal:
                raise CallFailedError(service, operation, failure) from None
            errors[key] = f"{service}:{operation}: {failure.line()}"
            return None

    def fan_out(
        self, describe: Callable[[T], Resource], items: Iterable[T], workers: int = 8
    ) -> list[Resource]:
        """``describe`` each item on a small thread pool, results in input order.

        Per-resource detail calls (a bucket's ten settings, a user's keys and MFA) are
        the long sequential chains of a scan; against a real endpoint their cost is
        round-trip latency, which threads hide. A CallFailedError from any item
        propagates as if the calls had been made one by one.
        """
        todo = list(items)
        if len(todo) < 2:
            return [describe(item) for item in todo]
        with ThreadPoolExecutor(max_workers=min(workers, len(todo))) as pool:
            return list(pool.map(describe, todo))

    # -- records -------------------------------------------------------------
    def resource(
        self,
        rtype: str,
        *,
        arn: str,
        id: str,
        name: str = "",
        data: dict[str, Any],
        region: str | None = None,
    ) -> Resource:
        return Resource(
            arn=arn,
            type=rtype,
            account=self.account,
            region=region or self.region,
            id=id,
            name=name or id,
            data=data,
            collected_at=self.collected_at,
        )

    def record(
        self, service: str, operation: str, failure: AwsFailure, resource_types: tuple[str, ...]
    ) -> None:
        self.errors.append(
            CollectionError(
                account=self.account,
                region=self.region,
                service=service,
                operation=operation,
                code=failure.code,
                reason=failure.message or failure.kind.value,
                resource_types=resource_types,
            )
        )

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        reg = "" if region == "" else (region or self.api_region)
        return f"arn:{self.partition}:{service}:{reg}:{self.account}:{resource}"


def run_collector(col: Collector, ctx: CollectContext) -> Iterator[Resource]:
    """Run one collector in one scope; a failed listing call becomes a CollectionError."""
    try:
        yield from col.func(ctx)
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, col.resource_types)
    except Exception as exc:  # a collector bug must not lose the rest of the scan
        failure = AwsFailure(FailureKind.OTHER, type(exc).__name__, str(exc))
        ctx.record(col.service, col.name, failure, col.resource_types)


def policy_attribute(
    attributes: dict[str, str] | None, errors: dict[str, str], operation: str
) -> dict[str, Any] | None:
    """The parsed ``Policy`` of an attribute map (SNS topics, SQS queues), ``None`` when there
    is none; a policy that could not be read (the attributes call failed, or the text is not
    JSON) is recorded in ``errors["Policy"]`` so the analysis says "unknown", not "none"."""
    if attributes is None:
        if "Attributes" in errors:
            errors["Policy"] = errors["Attributes"]
        return None
    try:
        return dict(json.loads(attributes["Policy"])) if attributes.get("Policy") else None
    except ValueError:
        errors["Policy"] = f"{operation}: Policy is not valid JSON"
        return None
