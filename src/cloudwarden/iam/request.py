"""A request to authorise and its request context.

Explicit context values always win. When a global key is absent, the values AWS derives
from the request itself are supplied ("AWS global condition context keys"):
``aws:PrincipalArn`` (the role ARN for an assumed-role session), ``aws:PrincipalAccount``,
``aws:PrincipalType``, ``aws:username`` (IAM users only), ``aws:PrincipalIsAWSService``,
``aws:PrincipalServiceName``, ``aws:CurrentTime`` / ``aws:EpochTime`` (from an injectable
clock), ``aws:RequestedRegion`` (from the resource ARN's region) and
``aws:ResourceAccount``. ``aws:userid`` cannot be derived and is never invented.
Derived keys are computed lazily, only when a policy asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from cloudwarden.iam.matching import split_arn
from cloudwarden.iam.principals import PrincipalInfo, PrincipalKind, principal_info

__all__ = ["ContextValue", "Request", "RequestContext", "utc_now"]

ContextValue = str | Sequence[str]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Request:
    """Who (``principal`` ARN or service principal) does what (``action``) to what
    (``resource`` ARN or ``*``), with which request context."""

    principal: str
    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: str | None = None
    clock: Callable[[], datetime] = utc_now


def _principal_arn(ctx: RequestContext) -> str | None:
    return ctx.principal.principal_arn


def _principal_account(ctx: RequestContext) -> str | None:
    return ctx.principal.account if ctx.principal.is_iam else None


def _principal_type(ctx: RequestContext) -> str | None:
    return ctx.principal.principal_type


def _username(ctx: RequestContext) -> str | None:
    return ctx.principal.name if ctx.principal.kind is PrincipalKind.USER else None


def _is_service(ctx: RequestContext) -> str | None:
    """Present in every signed request ("AWS global condition context keys",
    aws:PrincipalIsAWSService); an anonymous request is not signed, so it has no value."""
    kind = ctx.principal.kind
    if kind is PrincipalKind.ANONYMOUS:
        return None
    return "true" if kind is PrincipalKind.SERVICE else "false"


def _service_name(ctx: RequestContext) -> str | None:
    return ctx.principal.name if ctx.principal.kind is PrincipalKind.SERVICE else None


def _now(ctx: RequestContext) -> datetime:
    if ctx._now is None:
        ctx._now = ctx.request.clock().astimezone(UTC)
    return ctx._now


def _current_time(ctx: RequestContext) -> str:
    return _now(ctx).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch_time(ctx: RequestContext) -> str:
    return str(int(_now(ctx).timestamp()))


def _requested_region(ctx: RequestContext) -> str | None:
    parts = split_arn(ctx.request.resource)
    return parts[3] if parts is not None and parts[3] else None


def _resource_account(ctx: RequestContext) -> str | None:
    return ctx.resource_account


_DERIVED: dict[str, Callable[[RequestContext], str | None]] = {
    "aws:principalarn": _principal_arn,
    "aws:principalaccount": _principal_account,
    "aws:principaltype": _principal_type,
    "aws:username": _username,
    "aws:principalisawsservice": _is_service,
    "aws:principalservicename": _service_name,
    "aws:currenttime": _current_time,
    "aws:epochtime": _epoch_time,
    "aws:requestedregion": _requested_region,
    "aws:resourceaccount": _resource_account,
}


def _normalise(value: ContextValue) -> str | list[str]:
    if isinstance(value, str | list):
        return value
    return [str(v) for v in value]


@lru_cache(maxsize=4096)
def _key_map(keys: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased key → key as given; cached because requests tend to share key sets."""
    return {k.lower(): k for k in keys}


class RequestContext:
    """The request context as policies see it: case-insensitive keys, explicit values first,
    then values derived from the request. ``get`` is the lookup the evaluator uses.

    ``resource_account`` is, in order: an explicit ``aws:ResourceAccount``, the request's or
    the policy set's resource account, the account of the resource ARN, and finally the
    principal's own account (S3 ARNs carry no account; the request is then taken to be
    within one account).
    """

    __slots__ = (
        "_derived",
        "_keys",
        "_now",
        "principal",
        "request",
        "resource_account",
        "same_account",
    )

    def __init__(self, request: Request, resource_account: str | None = None) -> None:
        self.request = request
        self.principal: PrincipalInfo = principal_info(request.principal)
        self._keys = _key_map(tuple(request.context))
        self.resource_account = _pick_resource_account(request, resource_account, self)
        account = self.principal.account
        self.same_account = account is None or account == self.resource_account
        self._derived: dict[str, str | None] | None = None
        self._now: datetime | None = None

    def explicit(self, key: str) -> str | list[str] | None:
        """The value given in the request context for a lower-cased key."""
        original = self._keys.get(key)
        if original is None:
            return None
        return _normalise(self.request.context[original])

    def get(self, key: str) -> str | list[str] | None:
        """The value of a lower-cased context key, or ``None`` when absent."""
        original = self._keys.get(key)
        if original is not None:
            value = self.request.context[original]
            return value if isinstance(value, str) else _normalise(value)
        cache = self._derived
        if cache is None:
            cache = self._derived = {}
        elif key in cache:
            return cache[key]
        derive = _DERIVED.get(key)
        derived = derive(self) if derive is not None else None
        cache[key] = derived
        return derived


def _pick_resource_account(
    request: Request, fallback: str | None, ctx: RequestContext
) -> str | None:
    explicit = ctx.explicit("aws:resourceaccount")
    if isinstance(explicit, str):
        return explicit
    if request.resource_account:
        return request.resource_account
    if fallback:
        return fallback
    parts = split_arn(request.resource)
    if parts is not None and parts[4]:
        return parts[4]
    return ctx.principal.account
